"""evidence uploads swept when abandoned

Every evidence file stored is recorded with when it was last chosen, so the timer worker can delete
one that no case took up — the clerk left a re-shown form — once its token has expired; and
attachments are looked up by checksum.

Revision ID: 8a3f6c1e5b72
Revises: 5e8b2d7c4a19
Create Date: 2026-11-24 07:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8a3f6c1e5b72'
down_revision = '5e8b2d7c4a19'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'evidence_uploads',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('stored_as', sa.String(length=200), nullable=False),
        sa.Column('stored_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sha256'),
    )
    with op.batch_alter_table('evidence_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_uploads_stored_at'), ['stored_at'], unique=False)
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index('ix_attachments_sha256', ['sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_attachments_sha256')
    with op.batch_alter_table('evidence_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_uploads_stored_at'))
    op.drop_table('evidence_uploads')
