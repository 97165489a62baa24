"""client visit duration, interaction corrections, list index by city

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:50:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visit_minutes', sa.Integer(), nullable=True))
        batch_op.create_index('ix_client_owner_city', ['owner_id', 'city', 'sort_name'], unique=False)

    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('updated_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_interaction_updated_by_id_app_user', 'app_user', ['updated_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_constraint('fk_interaction_updated_by_id_app_user', type_='foreignkey')
        batch_op.drop_column('updated_by_id')
        batch_op.drop_column('updated_at')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_index('ix_client_owner_city')
        batch_op.drop_column('visit_minutes')
