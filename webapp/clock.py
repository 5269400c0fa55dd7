"""The application's clock: the current instant comes from config CLUEFLOW_CLOCK (a callable giving an
aware datetime; the system clock by default), and dates are Beijing dates."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from engine.runner import system_clock

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def clock():
    """The application's clock (config CLUEFLOW_CLOCK, a callable returning an aware instant)."""
    from flask import current_app

    return current_app.config.get("CLUEFLOW_CLOCK") or system_clock


def local_today() -> date:
    """Today in Beijing time, by the application's clock."""
    return clock()().astimezone(LOCAL_ZONE).date()


def as_utc(value: datetime) -> datetime:
    """An instant read back from the database as aware UTC (SQLite returns stored instants naive)."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
