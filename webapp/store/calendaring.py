"""The working-day calendars the application counts on: kept in the database, seeded from the
`calendars/*.json` files, handed to the engine as plain data (`engine.calendars.Calendars`).

The engine's Calendars are built once per process and database for each version stamp (see `stamp`:
the newest `CalendarChange`); a change of any region's year gives a new stamp, and the next use case
builds new Calendars and counts the compiled packs on them. With no calendar in the database yet
(before seeding) the seed files are used as they are.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from engine.calendars import Calendars, Holiday, RegionYear
from engine.rules import calendars_for
from engine.specs import CompiledPack
from webapp.clock import clock
from webapp.extensions import db
from webapp.models import CalendarChange, CalendarYear, HolidayPeriod, MakeupWorkday
from webapp.store import audit
from webapp.transaction import transaction

_STATE = "clueflow.calendars"  # app.extensions key: {"stamp", "calendars", "packs"}


def seed_files() -> tuple[RegionYear, ...]:
    """The region-years of the seed files (the packs folder's `calendars/`, else the shipped ones)."""
    return calendars_for(current_app.config["CLUEFLOW_PACKS_ROOT"]).region_years()


def stamp() -> tuple[int, int]:
    """The calendars' version stamp: the newest change's id and the number of changes ((0, 0) before
    seeding). The count catches a change committed after a newer one (ids are handed out before commit)."""
    newest, count = db.session.execute(
        select(func.max(CalendarChange.id), func.count(CalendarChange.id))
    ).one()
    return newest or 0, count


def calendars() -> Calendars:
    """The engine's calendars as the database holds them now (built once per stamp)."""
    state = current_app.extensions.setdefault(_STATE, {"stamp": None})
    current = stamp()
    if state["stamp"] != current:
        years = region_years() if current[1] else seed_files()
        state.update(stamp=current, calendars=Calendars(years), packs={})
    return state["calendars"]


def counted_on_current(compiled: CompiledPack) -> CompiledPack:
    """The compiled pack counting its deadlines on the current calendars (the parsed processes shared)."""
    current = calendars()
    if compiled.calendars is current:
        return compiled
    packs = current_app.extensions[_STATE]["packs"]
    key = (compiled.name, compiled.version, id(compiled))
    if key not in packs:
        packs[key] = dataclasses.replace(compiled, calendars=current)
    return packs[key]


def region_years() -> list[RegionYear]:
    """Every region-year in the database, as the engine reads them."""
    rows = db.session.execute(select(CalendarYear).order_by(CalendarYear.region, CalendarYear.year)).scalars()
    return [as_region_year(row) for row in rows]


def as_region_year(row: CalendarYear, **changes: Any) -> RegionYear:
    """One row as the engine's RegionYear (raises ClueflowError when the engine finds it inconsistent)."""
    holidays = tuple(Holiday(p.name, p.first_day, p.last_day) for p in row.periods)
    data = dict(
        region=row.region,
        year=row.year,
        parent=row.parent,
        confirmed=bool(row.confirmed),
        source=row.source or "",
        holidays=holidays,
        makeup_workdays=frozenset(m.day for m in row.makeups),
    )
    data.update(changes)
    return RegionYear(**data)


def year_row(region: str, year: int) -> CalendarYear | None:
    return db.session.execute(select(CalendarYear).filter_by(region=region, year=year)).scalar_one_or_none()


def years_by_region() -> dict[str, list[CalendarYear]]:
    """Every region with its years, newest first."""
    out: dict[str, list[CalendarYear]] = {}
    rows = db.session.execute(select(CalendarYear).order_by(CalendarYear.region, CalendarYear.year.desc()))
    for row in rows.scalars():
        out.setdefault(row.region, []).append(row)
    return out


def parents() -> dict[str, str]:
    """Each region's parent layer (CN-XJ → CN)."""
    rows = db.session.execute(
        select(CalendarYear.region, CalendarYear.parent).where(CalendarYear.parent.is_not(None))
    )
    return {region: parent for region, parent in rows}


def dependent_regions(region: str) -> set[str]:
    """The region and every region layered on it (a change to CN concerns CN-XJ's deadlines too)."""
    parent_of = parents()
    out = {region}
    for r in set(parent_of):
        chain, seen = r, set()
        while chain in parent_of and chain not in seen:
            seen.add(chain)
            chain = parent_of[chain]
            if chain == region:
                out.add(r)
                break
    return out


def seed() -> list[str]:
    """Add the seed files' region-years the database lacks (one change each, audited); commits.
    Returns the labels added. A year already in the database is left as the editors made it."""
    added = []
    with transaction():
        for ry in seed_files():
            if year_row(ry.region, ry.year) is not None:
                continue
            now = clock()()
            row = CalendarYear(
                region=ry.region,
                year=ry.year,
                parent=ry.parent,
                confirmed=ry.confirmed,
                source=ry.source,
                updated_at=now,
                confirmed_at=now if ry.confirmed else None,
            )
            row.periods = [HolidayPeriod(name=h.name, first_day=h.start, last_day=h.end) for h in ry.holidays]
            row.makeups = [MakeupWorkday(day=d) for d in sorted(ry.makeup_workdays)]
            db.session.add(row)
            label = f"{ry.region} {ry.year}"
            db.session.add(
                CalendarChange(
                    region=ry.region,
                    year=ry.year,
                    action="seed",
                    at=now,
                    recomputed_at=now,
                    summary=f"由日历文件 {ry.region.lower()}-{ry.year}.json 导入",
                )
            )
            audit.record(
                None,
                "calendar.seed",
                label,
                ry.source,
                {"file": f"{ry.region.lower()}-{ry.year}.json", "version": ry.version},
            )
            added.append(label)
    return added


def ensure_seeded() -> None:
    """Seed once per process and application (before a request: nothing else is pending then)."""
    app = current_app
    if app.extensions.get("clueflow.calendars_seeded"):
        return
    try:
        seed()
    except SQLAlchemyError as exc:  # not migrated, or another process seeding at the same moment
        app.logger.warning("calendars not seeded from the files: %s", exc.__class__.__name__)
    app.extensions["clueflow.calendars_seeded"] = True  # tried once; `clueflow run` seeds too
