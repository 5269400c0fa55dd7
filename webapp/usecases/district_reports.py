"""The district reports of CQH 第三十一条 as cases: when a reporting month starts (January, April,
July, October for the previous quarter; December for the year), the worker opens one
`district_report` case per district bureau whose pack has that process, with the report task in
its inbox and the due date as a deadline (rules `quarterly_report` / `annual_report`).

Exactly once per district and period: a DistrictReport row with a unique (bureau, period) key is
written in the same transaction as the case. When the due date is a rest day the case says so and
suggests the last working day before it (RULES §B.5); the district's users are told.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.errors import ClueflowError
from engine.reporting import ReportPeriod, periods_open_on, rest_day_warning
from webapp.access import DISTRICT_REPORT_ROLES
from webapp.clock import LOCAL_ZONE
from webapp.extensions import db
from webapp.models import Bureau, Case, DistrictReport
from webapp.store import casestore, packindex
from webapp.store.packversions import current_version, runner_for
from webapp.transaction import transaction
from webapp.usecases.notifications import notify_users, recipients

PROCESS = "district_report"


def open_due(now_fn) -> int:
    """Open the reports of the periods open today that a district does not have yet; returns how many."""
    now = now_fn()
    periods = periods_open_on(now.astimezone(LOCAL_ZONE).date())
    if not periods:
        return 0
    keys = [p.key for p in periods]
    have = set(
        db.session.execute(
            select(DistrictReport.bureau_id, DistrictReport.period).where(DistrictReport.period.in_(keys))
        ).all()
    )
    districts = list(
        db.session.execute(select(Bureau).where(Bureau.level == "district").order_by(Bureau.id)).scalars()
    )
    opened = 0
    for bureau in districts:
        for period in periods:
            if (bureau.id, period.key) in have:
                continue
            try:
                with transaction():
                    case = _open(bureau, period, now_fn)
            except IntegrityError:  # another worker opened it first
                continue
            except ClueflowError as exc:
                db.session.expire_all()
                current_app.logger.warning(
                    "district report %s of %s not opened: %s", period.key, bureau.code, exc
                )
                continue
            if case is None:
                break  # the bureau's pack has no district reports (nothing was written)
            opened += 1
    return opened


def _open(bureau: Bureau, period: ReportPeriod, now_fn) -> Case | None:
    version = current_version(bureau.pack)
    runner = runner_for(bureau.pack, version.version, now_fn)
    if PROCESS not in runner.pack.processes:
        return None
    running = runner.start(
        PROCESS,
        {
            "report_kind": period.kind,
            "report_trigger": period.trigger,
            "report_period": period.key,
            "report_period_label": period.label,
        },
    )
    due = runner.pack.deadline(period.rule, period.trigger)
    warning = rest_day_warning(runner.pack.calendars, runner.pack.region, due.due)
    prefix = packindex.entry(bureau.pack).case_prefix
    now = now_fn()
    title = f"{period.label}举报处理情况报送"
    row = Case(
        number=f"{prefix}-BS-{period.key}-{bureau.code}",
        pack=bureau.pack,
        pack_version=version.version,
        process_id=PROCESS,
        bureau_id=bureau.id,
        state="",
        created_at=now,
        received_on=period.trigger,
        summary=(f"{title}，{due.due.isoformat()} 前报送" + (f"（{warning}）" if warning else ""))[:200],
    )
    db.session.add(row)
    db.session.flush()
    db.session.add(DistrictReport(bureau_id=bureau.id, period=period.key, case_id=row.id, created_at=now))
    db.session.flush()  # the (bureau, period) key is checked before anything else is written
    casestore.add_event(
        row,
        None,
        "district_report",
        f"开启{title}（CQH 第三十一条）",
        {"period": period.key, "due": due.due.isoformat(), "warning": warning},
    )
    casestore.keep(row, runner, running)
    body = f"截止 {due.due.isoformat()}（{due.summary()}）" + (f"；{warning}" if warning else "")
    notify_users(
        recipients(bureau.id, DISTRICT_REPORT_ROLES, None),
        "district_report",
        f"待报送：{title}",
        body,
        row.id,
        now,
    )
    return row
