"""privacy: the register of data-subject requests, the opposition list, when a person was informed,
and the organisation's details for the information notice

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 18:40:00

- privacy_request: one row per access, rectification, erasure or opposition request (received and due
  dates, status, refusal reason); client_id without a foreign key on purpose: the register outlives
  the erasure it records (the name it was received under is anonymised with the card).
- opposition_fingerprint: keyed hashes (HMAC) of an objector's e-mail, phone and name + postal code,
  kept three years; the digest is unique, so recording the same person twice only moves the expiry.
- client.informed_on / informed_channel: when and how the person received the information notice.
- org_settings: the organisation's identity printed on the notice.
- import_job.objected_count: rows of an import that matched the opposition list (made do-not-contact).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

ORG_COLUMNS = ("org_name", "org_address", "org_email", "org_phone", "org_siren", "dpo_contact")


def upgrade() -> None:
    op.create_table('privacy_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('person_name', sqlmodel.sql.sqltypes.AutoString(length=220), nullable=False, server_default=''),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['closed_by_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_privacy_request_client_id', 'privacy_request', ['client_id'], unique=False)
    op.create_index('ix_privacy_request_status_due', 'privacy_request', ['status', 'due_on'], unique=False)
    op.create_table('opposition_fingerprint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_opposition_fingerprint_digest', 'opposition_fingerprint', ['digest'], unique=True)
    op.create_index('ix_opposition_fingerprint_expires_at', 'opposition_fingerprint', ['expires_at'], unique=False)
    with op.batch_alter_table('client') as batch_op:
        batch_op.add_column(sa.Column('informed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('informed_channel', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
    with op.batch_alter_table('import_job') as batch_op:
        batch_op.add_column(sa.Column('objected_count', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('org_settings') as batch_op:
        for name in ORG_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Text() if name in ("org_address", "dpo_contact")
                                          else sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('org_settings') as batch_op:
        for name in ORG_COLUMNS:
            batch_op.drop_column(name)
    with op.batch_alter_table('import_job') as batch_op:
        batch_op.drop_column('objected_count')
    with op.batch_alter_table('client') as batch_op:
        batch_op.drop_column('informed_channel')
        batch_op.drop_column('informed_on')
    op.drop_index('ix_opposition_fingerprint_expires_at', table_name='opposition_fingerprint')
    op.drop_index('ix_opposition_fingerprint_digest', table_name='opposition_fingerprint')
    op.drop_table('opposition_fingerprint')
    op.drop_index('ix_privacy_request_status_due', table_name='privacy_request')
    op.drop_index('ix_privacy_request_client_id', table_name='privacy_request')
    op.drop_table('privacy_request')
