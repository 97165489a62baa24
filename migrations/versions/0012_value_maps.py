"""import choices beyond the columns: value mappings remembered per kind of file, options per import

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 18:50:00

- import_value_map: what a user mapped each distinct value of a vocabulary column to (status, civility,
  sales rep, segment, sector, country, kind), remembered per set of headers, so the next file of the same
  kind comes pre-filled. Goes with its user.
- import_job.options: the choices of one import (value mappings, what to do with cards that match, the
  rep the rows go to, title case), JSON.
- import_job.warning_count: rows imported with a field left empty or flagged.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_value_map',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('header_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('values', sa.Text(), server_default='{}', nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'header_key', 'target', name='uq_import_value_map_user_key_target'),
    )
    with op.batch_alter_table('import_job') as batch:
        batch.add_column(sa.Column('options', sa.Text(), server_default='{}', nullable=False))
        batch.add_column(sa.Column('warning_count', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('import_job') as batch:
        batch.drop_column('warning_count')
        batch.drop_column('options')
    op.drop_table('import_value_map')
