"""actions queued on a phone, done once

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 21:40:00

A phone without network queues follow-ups, appointments, tour stops done and card corrections, each
with an id of its own; `queued_action` keeps, per author and id, that the action was done and what
was answered, so a replay (the network came back twice, two tabs) never does it twice.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'queued_action',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('app_user.id', ondelete='CASCADE'), nullable=False),
        sa.Column('action_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('endpoint', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.UniqueConstraint('user_id', 'action_id', name='uq_queued_action_user_action'),
    )
    op.create_index('ix_queued_action_created_at', 'queued_action', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_queued_action_created_at', table_name='queued_action')
    op.drop_table('queued_action')
