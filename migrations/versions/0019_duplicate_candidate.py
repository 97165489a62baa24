"""probable duplicates queued by an import

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 21:40:00

- duplicate_candidate: two cards an import saw side by side on a weak key (the same phone, the same name
  in the same postal code) without merging them; the duplicates screen lists the pair until someone
  merges it or says it is not one. Goes with either card.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('duplicate_candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_id', sa.Integer(), nullable=False),
    sa.Column('second_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['first_id'], ['client.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['second_id'], ['client.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('first_id', 'second_id', name='uq_duplicate_candidate_pair'),
    )
    op.create_index('ix_duplicate_candidate_first_id', 'duplicate_candidate', ['first_id'])
    op.create_index('ix_duplicate_candidate_second_id', 'duplicate_candidate', ['second_id'])


def downgrade() -> None:
    op.drop_index('ix_duplicate_candidate_second_id', table_name='duplicate_candidate')
    op.drop_index('ix_duplicate_candidate_first_id', table_name='duplicate_candidate')
    op.drop_table('duplicate_candidate')
