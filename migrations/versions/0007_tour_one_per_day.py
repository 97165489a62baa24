"""one tour a rep a day

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 16:30:00

Before this, opening a day could save a second tour for the same rep and day (two requests at once,
or a crawler following GET links). Those extra tours are folded into the first one: their stops move
to it, after its own (a client on both stays once), so nothing a rep planned is lost; then the constraint keeps it one a day.
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    duplicates = conn.execute(sa.text(
        "SELECT t.id, keep.id FROM tour t JOIN ("
        "  SELECT owner_id, day, MIN(id) AS id FROM tour GROUP BY owner_id, day HAVING COUNT(*) > 1"
        ") keep ON keep.owner_id = t.owner_id AND keep.day = t.day AND t.id <> keep.id ORDER BY t.id"
    )).all()
    for extra_id, kept_id in duplicates:
        # A client on both tours stays once, where the first tour has it.
        conn.execute(sa.text("DELETE FROM tour_stop WHERE tour_id = :extra AND client_id IN "
                             "(SELECT client_id FROM tour_stop WHERE tour_id = :kept)"),
                     {"extra": extra_id, "kept": kept_id})
        last = conn.execute(sa.text("SELECT COALESCE(MAX(position), 0) FROM tour_stop WHERE tour_id = :t"),
                            {"t": kept_id}).scalar()
        conn.execute(sa.text("UPDATE tour_stop SET tour_id = :kept, position = position + :shift "
                             "WHERE tour_id = :extra"), {"kept": kept_id, "shift": last + 1, "extra": extra_id})
        conn.execute(sa.text("DELETE FROM tour WHERE id = :extra"), {"extra": extra_id})
    # A unique index rather than a constraint: SQLite adds it without rebuilding the table.
    op.create_index('uq_tour_owner_day', 'tour', ['owner_id', 'day'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_tour_owner_day', table_name='tour')
