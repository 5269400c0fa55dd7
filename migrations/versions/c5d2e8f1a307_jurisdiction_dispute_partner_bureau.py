"""jurisdiction dispute partner bureau

The other district of a jurisdiction dispute (CQH 第二十一条) takes part in the negotiation: the
case row names it while the dispute is open.

Revision ID: c5d2e8f1a307
Revises: 8a3f6c1e5b72
Create Date: 2026-12-02 01:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c5d2e8f1a307'
down_revision = '8a3f6c1e5b72'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_bureau_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_cases_partner_bureau_id', 'bureaus', ['partner_bureau_id'], ['id'])


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint('fk_cases_partner_bureau_id', type_='foreignkey')
        batch_op.drop_column('partner_bureau_id')
