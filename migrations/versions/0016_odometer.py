"""odometer readings on a tour

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 18:40:00

The rep may note the car's odometer at the start and at the end of the day on the tour page. When
both are there, the mileage log counts their difference instead of the planned route's kilometres.
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tour') as batch:
        batch.add_column(sa.Column('odometer_start_km', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('odometer_end_km', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tour') as batch:
        batch.drop_column('odometer_end_km')
        batch.drop_column('odometer_start_km')
