"""Demo data: for each shipped pack a city bureau with two district bureaus, and a user of every
role in each. Idempotent: running it again changes nothing that is already there."""

from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ROLES, Bureau, User
from webapp.transaction import transaction

DEMO_PASSWORD = "demo12345"

# pack -> (code, city name, [(district code, district name), …])
BUREAUS = {
    "chongqing": (
        "cq",
        "重庆市医疗保障局",
        [("cq-yuzhong", "渝中区医疗保障局"), ("cq-yubei", "渝北区医疗保障局")],
    ),
    "urumqi": (
        "wlmq",
        "乌鲁木齐市医疗保障局",
        [("wlmq-tianshan", "天山区医疗保障局"), ("wlmq-saybagh", "沙依巴克区医疗保障局")],
    ),
    "heilongjiang": (
        "dxal",
        "大兴安岭地区医疗保障局",
        [("dxal-jiagedaqi", "加格达奇区医疗保障局"), ("dxal-mohe", "漠河市医疗保障局")],
    ),
    "dali": (
        "dl",
        "大理州医疗保障局",
        [("dl-dali", "大理市医疗保障局"), ("dl-xiangyun", "祥云县医疗保障局")],
    ),
    "sichuan": (
        "sc",
        "成都市医疗保障局（示例）",
        [("sc-jinjiang", "锦江区医疗保障局"), ("sc-wuhou", "武侯区医疗保障局")],
    ),
    "national": (
        "gj",
        "示范市医疗保障局",
        [("gj-east", "示范市东区医疗保障局"), ("gj-west", "示范市西区医疗保障局")],
    ),
}
ROLE_NAMES = {
    "registrar": "登记员",
    "case_officer": "承办人",
    "division_head": "科室负责人",
    "bureau_head": "局负责人",
    "policy_editor": "规则管理员",
    "auditor": "审计员",
    "administrator": "系统管理员",
}


def seed_demo(password_method: str | None = None) -> list[tuple[str, str, str, str]]:
    """Create the demo bureaus and users that are missing; returns (username, name, bureau, roles) of all.
    `password_method`: the password hash to store (werkzeug's method string; the production default
    when None — tests pass a cheap one)."""
    rows = []
    password_hash = None  # one hash serves every demo user: they share the demo password
    with transaction():
        for pack, (code, name, districts) in BUREAUS.items():
            city = _bureau(code, name, "city", pack, None)
            for d_code, d_name in districts:
                _bureau(d_code, d_name, "district", pack, city)
            for bureau in [city, *city.districts]:
                for role in ROLES:
                    username = f"{bureau.code}-{role.replace('_', '-')}"
                    user = db.session.execute(select(User).filter_by(username=username)).scalar_one_or_none()
                    if user is None:
                        user = User(
                            username=username,
                            display_name=f"{bureau.name.replace('医疗保障局', '')}{ROLE_NAMES[role]}",
                            bureau=bureau,
                        )
                        user.roles = [role]
                        if password_hash is None:
                            user.set_password(DEMO_PASSWORD, method=password_method)
                            password_hash = user.password_hash
                        user.password_hash = password_hash
                        db.session.add(user)
                    rows.append((username, user.display_name, bureau.name, role))
    return rows


def _bureau(code: str, name: str, level: str, pack: str, parent: Bureau | None) -> Bureau:
    bureau = db.session.execute(select(Bureau).filter_by(code=code)).scalar_one_or_none()
    if bureau is None:
        bureau = Bureau(code=code, name=name, level=level, pack=pack, parent=parent)
        db.session.add(bureau)
        db.session.flush()
    return bureau
