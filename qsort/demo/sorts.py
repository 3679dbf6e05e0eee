"""Fifteen completed demo sorts for the demo study, so a newcomer's first analysis has something to find.

They are simulated (``analysis.simulate``, fixed seed) around the three planted buyer types of the demo's
statement tags (5 price, 5 added-value, 5 strategy buyers) and clearly marked as demo data: source ``"demo"``,
codes ``DEMO-01``..., the name "Simulated customer" and the attribute ``demo: simulated``. Each gets a
relationship stage, a role in the buying decision and a revenue band (``../shared/B2B.md``), a few comments on
its extreme cards and "would you pay more?" answers on its top cards, which the results pages show as quotes.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import CardComment, Participant, Placement, Sort, Study, utcnow

DEMO_SOURCE = "demo"
TYPES = {"price": 5, "added-value": 5, "strategy": 5}
SEED = 20261130

# Per planted type: how its customers tend to look (relationship stage, role, revenue band), cycled through.
PROFILES = {
    "price": [("acquaintance", "buyer", "1-5M"), ("acquaintance", "buyer", "5-20M"), ("stranger", "decider", "1-5M"),
              ("friend", "buyer", "20M+"), ("acquaintance", "user", "<1M")],
    "added-value": [("friend", "user", "1-5M"), ("friend", "influencer", "5-20M"), ("acquaintance", "user", "<1M"),
                    ("friend", "decider", "5-20M"), ("partner", "user", "1-5M")],
    "strategy": [("partner", "decider", "20M+"), ("partner", "influencer", "20M+"), ("friend", "decider", "5-20M"),
                 ("partner", "decider", "5-20M"), ("partner", "influencer", "20M+")],
}
# What a customer of each type writes beside its most and least important cards.
COMMENTS = {
    "price": ("Our margins are thin: every cent on the invoice counts.", "Nice to have, but we will not pay for it."),
    "added-value": ("This saves my team hours every week.", "Price alone never decides it for us."),
    "strategy": ("We want a supplier who thinks along about the next five years.",
                 "Short-term discounts do not build anything."),
}
WOULD_PAY = {"price": "no", "added-value": "depends", "strategy": "yes"}


def has_demo_sorts(session: Session, study: Study) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Participant)
                               .where(Participant.study_id == study.id, Participant.source == DEMO_SOURCE)))


def add_demo_sorts(session: Session, study: Study) -> int:
    """Add the simulated sorts when the study has none yet; returns how many were added (0 or 15)."""
    from analysis.grid import Grid
    from analysis.simulate import planted_types, simulate_sorts

    if has_demo_sorts(session, study):
        return 0
    statements = list(study.statements)
    tags = [";".join(s.tags or []) for s in statements]
    grid = Grid(tuple(study.grid_scores), tuple(study.grid_heights))
    simulation = simulate_sorts(tags, grid, planted_types(TYPES), seed=SEED)
    top, bottom = max(study.grid_scores), min(study.grid_scores)
    start = utcnow() - timedelta(days=3)
    for j, kind in enumerate(simulation.planted):
        k = int(simulation.participant_ids[j].rsplit("-", 1)[1]) - 1
        stage, role, revenue = PROFILES[kind][k % len(PROFILES[kind])]
        participant = Participant(
            study=study, code=f"DEMO-{j + 1:02d}", name="Simulated customer", source=DEMO_SOURCE, language="en",
            consent="given", consent_at=start, created_at=start + timedelta(minutes=j),
            attributes={"demo": "simulated", "relationship_stage": stage, "role": role, "revenue_band": revenue})
        sort = Sort(state="submitted", step="done", started_at=start, submitted_at=start + timedelta(minutes=j + 20))
        participant.sort = sort
        scores = simulation.sorts[:, j]
        slots: dict[int, int] = {}
        for statement, score in zip(statements, scores):
            slot = slots.get(int(score), 0)
            slots[int(score)] = slot + 1
            sort.placements.append(Placement(statement=statement, score=int(score), slot=slot))
        most, least = COMMENTS[kind]
        firsts = {int(score): statement for statement, score in zip(statements, scores) if int(score) in (top, bottom)}
        sort.comments.append(CardComment(statement=firsts[top], text=most, would_pay=WOULD_PAY[kind]))
        if j % 2 == 0:
            sort.comments.append(CardComment(statement=firsts[bottom], text=least))
        session.add(participant)
    session.commit()
    return len(simulation.planted)
