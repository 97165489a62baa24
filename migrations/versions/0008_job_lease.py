"""import job lease: the worker running it, renewed while it runs

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 15:50:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('import_job') as batch:
        batch.add_column(sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch.add_column(sa.Column('lease_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('heartbeat_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('import_job') as batch:
        batch.drop_column('attempts')
        batch.drop_column('heartbeat_at')
        batch.drop_column('lease_until')
        batch.drop_column('lease_owner')
