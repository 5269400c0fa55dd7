"""calendar recount lease

A calendar change whose deadlines are being counted again carries, until when, the lease of the
worker or request counting it: a second worker leaves it alone, and one killed in the middle
leaves it to be taken over once the lease has run out.

Revision ID: 5e8b2d7c4a19
Revises: 3c1f6a2b9d04
Create Date: 2026-11-24 06:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5e8b2d7c4a19'
down_revision = '3c1f6a2b9d04'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calendar_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recount_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('calendar_changes', schema=None) as batch_op:
        batch_op.drop_column('recount_until')
