"""form submissions: one-time tokens of the 登记表

A registration posted twice from the same page (a double click, a retry after a timeout) makes one
case: the page's one-time token is kept with the case it made.

Revision ID: d7a4b9c2e610
Revises: c5d2e8f1a307
Create Date: 2026-12-02 02:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd7a4b9c2e610'
down_revision = 'c5d2e8f1a307'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_submissions',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('token'),
    )


def downgrade():
    op.drop_table('form_submissions')
