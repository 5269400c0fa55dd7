"""Simultaneous registrations (CQH 第十条 numbering): twenty clerks pressing 登记 at the same moment get
twenty cases with consecutive numbers, and none an error — on SQLite and on PostgreSQL, including the
first registration of a year (when the year's counter row does not exist yet)."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from clerk import REGISTRATION

from webapp.extensions import db
from webapp.models import Case, User
from webapp.usecases import casework

CLERKS = 20


def test_twenty_simultaneous_registrations_get_twenty_consecutive_numbers(clerk_app):
    start = threading.Barrier(CLERKS, timeout=60)
    numbers, failures = [], []

    def register(index: int) -> None:
        start.wait()  # all at once (the connection pool then queues those beyond its size, as for requests)
        with clerk_app.app_context():
            try:
                registrar = db.session.execute(
                    sa.select(User).filter_by(username="cq-yuzhong-registrar")
                ).scalar_one()
                case = casework.register_report(
                    registrar, {**REGISTRATION, "reported_unit_name": f"某某大药房{index}"}
                )
                numbers.append(case.number)
            except Exception as exc:  # noqa: BLE001 - every failure is reported by the assertion below
                failures.append(f"{type(exc).__name__}: {exc}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(CLERKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert sorted(numbers) == [f"CQ-2026-{n:05d}" for n in range(1, CLERKS + 1)]
    with clerk_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Case)).scalar() == CLERKS


def test_the_same_form_sent_twice_at_once_makes_one_case(clerk_app):
    """A double click: the page's one-time token sent by two requests at the same moment."""
    start = threading.Barrier(2, timeout=60)
    made, failures = [], []

    def send() -> None:
        start.wait()
        with clerk_app.app_context():
            try:
                registrar = db.session.execute(
                    sa.select(User).filter_by(username="cq-yuzhong-registrar")
                ).scalar_one()
                made.append(casework.register_report(registrar, REGISTRATION, submission="a" * 32).number)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                failures.append(f"{type(exc).__name__}: {exc}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == [] and made == ["CQ-2026-00001", "CQ-2026-00001"]
    with clerk_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Case)).scalar() == 1
        # Another clerk's page token is not theirs to replay.
        other = db.session.execute(sa.select(User).filter_by(username="cq-registrar")).scalar_one()
        assert casework.registered_by(other, "a" * 32) is None


def test_a_registration_page_posted_twice_registers_once(clerk_app):
    from clerk import browser_form, fill, login

    registrar = login(clerk_app, "cq-yuzhong-registrar")
    action, fields = browser_form(registrar.open_intake())
    form = fill(fields, REGISTRATION)
    first = registrar.post(action or "/intake", data=form)
    second = registrar.post(action or "/intake", data=form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert "重复提交未再次登记" in " ".join(
        m for m in registrar.get(second.headers["Location"]).get_data(as_text=True).split("\n") if "重复" in m
    )
    with clerk_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Case)).scalar() == 1
