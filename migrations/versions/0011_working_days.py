"""each user's working days; why a tour stop was left out, in detail

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 18:40:00

- app_user.working_days: the weekdays the user works, as digits (Monday = 0), Monday to Friday by
  default. "Tomorrow", the week plan and new appointments skip the other days and public holidays.
- tour_stop.left_out_detail: for a stop left out of a planned day because of another appointment,
  which one, the drive between the two and the gap between them (a small JSON object), so the page
  can say "clashes with 10:00 Dupont: 25 min drive, 10 min between them".
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('app_user') as batch_op:
        batch_op.add_column(sa.Column('working_days', sa.String(length=7), server_default='01234', nullable=False))
    with op.batch_alter_table('tour_stop') as batch_op:
        batch_op.add_column(sa.Column('left_out_detail', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('tour_stop') as batch_op:
        batch_op.drop_column('left_out_detail')
    with op.batch_alter_table('app_user') as batch_op:
        batch_op.drop_column('working_days')
