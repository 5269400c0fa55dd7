"""The one way a use case ends its work: a `with transaction():` block commits when it completes and
rolls back on any error. A case row someone else changed since it was read (its lock_version moved
on) is refused as errors.Conflict, and nothing is saved. Reads never commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm.exc import StaleDataError

from webapp.errors import stale_case
from webapp.extensions import db


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block did, or roll all of it back if it raised."""
    try:
        yield
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise stale_case() from exc
    except BaseException:
        db.session.rollback()
        raise


def discard() -> None:
    """Forget what a read or a refused step left in the session (never commits)."""
    db.session.rollback()
