"""What the case page shows about rewards, for the case view to pass to its template."""

from __future__ import annotations

from webapp import access
from webapp.models import Case
from webapp.store import casestore, visibility
from webapp.usecases.rewards import later, process
from webapp.usecases.rewards.documents import KINDS


def reward_panel(user, case: Case, data: dict) -> dict:
    """What the case page shows about rewards (from the case data the page already holds): starting
    one on a concluded report, or the reward's state, documents and later events."""
    if case.process_id == process.REWARD_PROCESS:
        reward = process.reward_of_case(case)
        if reward is None:
            return {"kind": "reward_missing", "message": process.missing_reward_message()}
        return {
            "kind": "reward",
            "reward": reward,
            "data": data,
            "kinds": KINDS,
            "documents": {d.kind: d for d in reward.documents},
            "ground": process.ground_words(data.get("ground")),
            "grounds": later.CLAWBACK_GROUNDS,
            "recovered": later.recovered,
            "can_see": access.can_see_reporter(user),
        }
    if case.process_id != casestore.INTAKE_PROCESS or not process.is_concluded(case, data):
        return {"kind": None}
    rewards = process.rewards_of_report(case)
    problem = process.start_problem(user, case, data)
    candidates = visibility.duplicates(user, case.reported_person, case.reported_unit, exclude=case.id)
    linked = {c.id for c in process.act_cases(case)}
    return {
        "kind": "report",
        "rewards": rewards,
        "problem": problem,
        "concluded": process.is_concluded(case, data),
        "candidates": [c for c in candidates if c.process_id == casestore.INTAKE_PROCESS],
        "linked": linked,
    }
