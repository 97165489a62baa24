"""hand-overs of a portfolio: the hand-over and its per-item journal (for the undo and the card's history)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 18:40:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'hand_over',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), sa.ForeignKey('app_user.id'), nullable=False),
        sa.Column('from_user_id', sa.Integer(), sa.ForeignKey('app_user.id'), nullable=False),
        sa.Column('to_user_id', sa.Integer(), sa.ForeignKey('app_user.id'), nullable=False),
        sa.Column('scope_label', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('clients', sa.Integer(), nullable=False),
        sa.Column('followups', sa.Integer(), nullable=False),
        sa.Column('appointments', sa.Integer(), nullable=False),
        sa.Column('tour_stops', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('undone_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('undone_by_id', sa.Integer(), sa.ForeignKey('app_user.id'), nullable=True),
        sa.Column('not_restored', sa.Text(), server_default='{}', nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_hand_over_from_user_id', 'hand_over', ['from_user_id'])
    op.create_index('ix_hand_over_to_user_id', 'hand_over', ['to_user_id'])
    op.create_index('ix_hand_over_created_at', 'hand_over', ['created_at'])
    op.create_table(
        'hand_over_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hand_over_id', sa.Integer(), sa.ForeignKey('hand_over.id', ondelete='CASCADE'), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('from_id', sa.Integer(), nullable=False),
        sa.Column('to_id', sa.Integer(), nullable=False),
        sa.Column('restored', sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_hand_over_item_hand_over_id', 'hand_over_item', ['hand_over_id'])
    op.create_index('ix_hand_over_item_client_kind', 'hand_over_item', ['client_id', 'kind'])


def downgrade() -> None:
    op.drop_table('hand_over_item')
    op.drop_table('hand_over')
