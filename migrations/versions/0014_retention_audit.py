"""retention rules and their runs, anonymised clients, the register of processing, the minimisation
review's dismissals; the audit trail's once-per-period key and its index on the actor

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 18:50:00

audit_event.dedupe_key is unique (NULLs never clash, on SQLite and PostgreSQL alike): an entry written
at most once per period (a card viewed: once per user, card and hour) is one INSERT … ON CONFLICT DO
NOTHING. client_anonymisation leaves with its client (ON DELETE CASCADE, like every dependant).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString
_dt = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table('audit_event') as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', _str(length=80), nullable=True))
        batch_op.create_index('ix_audit_event_dedupe_key', ['dedupe_key'], unique=True)
        batch_op.create_index('ix_audit_event_actor_id', ['actor_id'], unique=False)

    op.create_table('retention_rule',
    sa.Column('key', _str(length=40), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('auto_apply', sa.Boolean(), nullable=False),
    sa.Column('action', _str(length=12), nullable=False),
    sa.Column('updated_at', _dt(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('retention_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', _str(length=40), nullable=False),
    sa.Column('trigger', _str(length=10), nullable=False),
    sa.Column('started_at', _dt(), nullable=False),
    sa.Column('finished_at', _dt(), nullable=True),
    sa.Column('cutoff', _dt(), nullable=False),
    sa.Column('action', _str(length=12), nullable=False),
    sa.Column('status', _str(length=10), nullable=False),
    sa.Column('found', sa.Integer(), nullable=False),
    sa.Column('applied', sa.Integer(), nullable=False),
    sa.Column('item_ids', sa.Text(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', _dt(), nullable=True),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_retention_run_rule', 'retention_run', ['rule'], unique=False)
    op.create_index('ix_retention_run_started_at', 'retention_run', ['started_at'], unique=False)
    op.create_table('client_anonymisation',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('anonymised_at', _dt(), nullable=False),
    sa.Column('rule', _str(length=40), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id')
    )
    op.create_table('register_entry',
    sa.Column('locale', _str(length=5), nullable=False),
    sa.Column('sections', sa.Text(), server_default='{}', nullable=False),
    sa.Column('updated_at', _dt(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('locale')
    )
    op.create_table('text_review_dismissal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', _str(length=20), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('text_hash', _str(length=64), nullable=False),
    sa.Column('dismissed_at', _dt(), nullable=False),
    sa.Column('dismissed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['dismissed_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'row_id', 'text_hash')
    )


def downgrade() -> None:
    op.drop_table('text_review_dismissal')
    op.drop_table('register_entry')
    op.drop_table('client_anonymisation')
    op.drop_index('ix_retention_run_started_at', table_name='retention_run')
    op.drop_index('ix_retention_run_rule', table_name='retention_run')
    op.drop_table('retention_run')
    op.drop_table('retention_rule')
    with op.batch_alter_table('audit_event') as batch_op:
        batch_op.drop_index('ix_audit_event_actor_id')
        batch_op.drop_index('ix_audit_event_dedupe_key')
        batch_op.drop_column('dedupe_key')
