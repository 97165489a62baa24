"""index for the map's visible area

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 21:40:00

The map loads the pins of the rectangle on screen: owner, latitude range, longitude, from one index
instead of the whole portfolio.
"""

from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_client_owner_position', 'client', ['owner_id', 'latitude', 'longitude'])


def downgrade() -> None:
    op.drop_index('ix_client_owner_position', table_name='client')
