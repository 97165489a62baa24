"""dependants of a client leave with it: ON DELETE CASCADE on every foreign key to client

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:45:00

Per table, why CASCADE:
- contact_person, client_tag, channel_consent, opening_hours, custom_field_value: parts of the card.
- interaction, follow_up, appointment: the client's history and plans; personal data about the
  client (notes), meaningless without it.
- purchase, campaign_recipient: what the client bought and which mailings they were in; revenue
  figures of an erased person must not outlive the erasure (RGPD right to erasure).
- tour_stop: a stop at a client who no longer exists; the tour itself stays.
The one foreign key to contact_person (interaction.contact_id) already is SET NULL: the log outlives
the person met. The audit trail and the import journal hold client ids without a foreign key on
purpose (their rows outlive the card); the purge anonymises the audit payloads instead.

SQLite cannot alter a foreign key: each table is rebuilt (batch mode). fieldcrm.migrate runs
migrations with PRAGMA foreign_keys off (a rebuild drops the old table, which with foreign keys on
would cascade into its own dependants) and checks PRAGMA foreign_key_check afterwards.
PostgreSQL drops and re-creates each constraint under its own name.
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

CLIENT_DEPENDANTS = ("contact_person", "client_tag", "channel_consent", "opening_hours", "custom_field_value",
                     "interaction", "follow_up", "appointment", "purchase", "campaign_recipient", "tour_stop")
# Gives SQLite's unnamed foreign keys a name batch mode can drop them by.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def _client_fk_name(table: str) -> str:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        return f"fk_{table}_client_id_client"
    for fk in sa.inspect(bind).get_foreign_keys(table):
        if fk["referred_table"] == "client" and fk["constrained_columns"] == ["client_id"]:
            return fk["name"]
    raise RuntimeError(f"{table}.client_id has no foreign key to client")


def _set_ondelete(ondelete: str | None) -> None:
    for table in CLIENT_DEPENDANTS:
        name = _client_fk_name(table)
        with op.batch_alter_table(table, recreate="auto", naming_convention=NAMING) as batch_op:
            batch_op.drop_constraint(name, type_="foreignkey")
            batch_op.create_foreign_key(name, "client", ["client_id"], ["id"], ondelete=ondelete)


def upgrade() -> None:
    _set_ondelete("CASCADE")


def downgrade() -> None:
    _set_ondelete(None)
