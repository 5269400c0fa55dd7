"""Numbers given in order, per key and year: case numbers (CQH 第十条) and reward document numbers.

One statement takes the next number: it inserts the key's first number or adds one to the last, and
answers the number it wrote (INSERT … ON CONFLICT DO UPDATE … RETURNING, on SQLite and PostgreSQL
alike). Simultaneous registrations therefore queue on the row's write and each gets its own number;
a reading step in between (which on SQLite takes no lock) cannot hand two of them the same one. The
number belongs to the caller's transaction: a refused registration gives it back.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from webapp.extensions import db
from webapp.models import CaseCounter

COUNTERS = CaseCounter.__table__


def next_value(key: str, year: int) -> int:
    """The next number of this key in this year (1 for the first)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(COUNTERS)
        .values(pack=key, year=year, last=1)
        .on_conflict_do_update(
            index_elements=[COUNTERS.c.pack, COUNTERS.c.year], set_={"last": COUNTERS.c.last + 1}
        )
        .returning(COUNTERS.c.last)
    )
    return db.session.execute(statement).scalar_one()
