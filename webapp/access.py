"""Who may do what: every role set and the rules over them, in one place (CQH 第十六至十八条, PRODUCT
capability 7). A user is anything with `roles` (a set of role names) and a `bureau` with a `level`.

Which cases a user may see (their bureau's, a city bureau also its districts', never one they are
recused from) is a query, kept with the case store (webapp.store.casestore.visible_cases); it uses
nothing but the bureau and the recusals.
"""

from __future__ import annotations

from typing import Any, Mapping

ROLES = (
    "registrar",
    "case_officer",
    "division_head",
    "bureau_head",
    "policy_editor",
    "auditor",
    "administrator",
)

# Who registers reports (CQH 第十条), and who starts a top-up reward.
REGISTRAR_ROLE = "registrar"
CASE_OFFICER_ROLE = "case_officer"
# Those who handle cases: they see the reporter's identity and may add evidence (CQH 第十六、十七条).
HANDLING_ROLES = frozenset({"registrar", "case_officer", "division_head", "bureau_head"})
EVIDENCE_UPLOAD_ROLES = HANDLING_ROLES
# Recusal decisions are the heads' (CQH 第十八条).
RECUSAL_DECIDERS = frozenset({"division_head", "bureau_head"})
# The overdue board.
OVERDUE_BOARD_ROLES = frozenset({"division_head", "bureau_head", "administrator", "auditor"})
# The outbox: who reads it, who sends from it.
OUTBOX_ROLES = frozenset({"registrar", "case_officer", "division_head", "bureau_head", "auditor"})
NOTICE_SENDER_ROLES = frozenset({"case_officer", "registrar"})
# Rewards: who starts one; who records what happens after payment (top-ups, clawbacks, recoveries).
REWARD_START_ROLES = frozenset({"case_officer"})
REWARD_AFTER_PAYMENT_ROLES = frozenset({"case_officer", "division_head", "bureau_head"})
# Who is told that a district's quarterly or annual report is due (CQH 第三十一条).
DISTRICT_REPORT_ROLES = ("case_officer", "division_head")
# Calendars: edited by a region's policy editors and administrators.
CALENDAR_EDIT_ROLES = frozenset({"policy_editor", "administrator"})
# The rule book (a city bureau's): who reads it, who approves and publishes, who reads its audit log.
RULEBOOK_EDIT_ROLE = "policy_editor"
RULEBOOK_READ_ROLES = frozenset({"policy_editor", "bureau_head", "auditor", "administrator"})
RULEBOOK_PUBLISH_ROLES = frozenset({"policy_editor", "bureau_head"})
AUDIT_LOG_ROLES = frozenset({"auditor", "administrator"})

REPORTER_FIELDS = (
    "reporter_name",
    "reporter_sex",
    "reporter_id_no",
    "reporter_employer",
    "reporter_phone",
    "reporter_address",
    "reporter_email",
)
MASK = "（保密）"  # what stands for a reporter's detail a role may not see


def has_any(user: Any, roles: frozenset[str] | tuple[str, ...]) -> bool:
    """Whether the user holds one of these roles."""
    return bool(set(roles) & user.roles)


def can_see_reporter(user: Any) -> bool:
    """The reporter's identity is for those who handle cases (CQH 第十六、十七条), not auditors or editors."""
    return has_any(user, HANDLING_ROLES)


def masked(user: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    """Case data as this user may see it: the reporter's identity replaced for other roles."""
    if can_see_reporter(user):
        return dict(data)
    return {k: (MASK if k in REPORTER_FIELDS and v else v) for k, v in data.items()}


def holds_task_role(user: Any, task_roles_text: str) -> bool:
    """Whether the user holds one of a task's roles (the task index keeps them comma-separated)."""
    return bool(set(task_roles_text.split(",")) & user.roles)


def of_city_bureau(user: Any) -> bool:
    """A city bureau's staff keep the rule book (a district's do not)."""
    return user.bureau.level == "city"
