"""case state compressed with lz4 on PostgreSQL

Every change of a case rewrites its stored state (about 11 KB of JSON, kept out of line and
compressed). lz4 compresses it to the same size as PostgreSQL's default (pglz) at about half the
server's processor time — measured on the timer worker's batches, where it is most of the
database's work. PostgreSQL 14 or later built with lz4 (the Debian and official builds are);
elsewhere, and on SQLite, nothing changes.

Revision ID: 3c1f6a2b9d04
Revises: ba9db1f33e58
Create Date: 2026-11-24 04:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3c1f6a2b9d04'
down_revision = 'ba9db1f33e58'
branch_labels = None
depends_on = None


def _set_compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or bind.dialect.server_version_info < (14,):
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text(f"ALTER TABLE cases ALTER COLUMN state SET COMPRESSION {method}"))
    except sa.exc.DBAPIError:  # a server built without lz4: the default compression stays
        pass


def upgrade():
    _set_compression("lz4")


def downgrade():
    _set_compression("pglz")
