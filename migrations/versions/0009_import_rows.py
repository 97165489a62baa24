"""journal of the rows an import wrote, to undo a failed or cancelled import

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 15:40:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('table_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('previous_values', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['import_job.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_import_row_import_id', 'import_row', ['import_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_import_row_import_id', table_name='import_row')
    op.drop_table('import_row')
