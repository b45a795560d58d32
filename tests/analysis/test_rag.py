"""RAG rules: a table of cases for actions, priorities and indicators."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cspdash.analysis.rag import (
    ACTION_RULE_TEXT,
    INDICATOR_RULE_TEXT,
    PRIORITY_RULE_TEXT,
    RAG_ORDER,
    RAG_STATUSES,
    action_rag,
    indicator_rag,
    normalise_status,
    priority_rag,
    rag_badge,
)

TODAY = dt.date(2025, 6, 1)


def test_every_status_has_symbol_colour_and_rule() -> None:
    assert list(RAG_STATUSES) == list(RAG_ORDER) == ["Red", "Amber", "Green", "Not started", "Complete"]
    icons = [s.icon for s in RAG_STATUSES.values()]
    assert len(set(icons)) == 5 and all(not icon.isalnum() for icon in icons)
    assert all(re.fullmatch(r"#[0-9A-F]{6}", s.colour) for s in RAG_STATUSES.values())
    assert RAG_STATUSES["Red"].colour == "#D55E00"  # Okabe-Ito vermillion, not pure red
    assert all(s.rule.endswith(".") for s in RAG_STATUSES.values())
    assert rag_badge("amber") == "▲ Amber"
    for text in (ACTION_RULE_TEXT, PRIORITY_RULE_TEXT, INDICATOR_RULE_TEXT):
        assert all(status in text for status in ("Red", "Amber", "Green"))


@pytest.mark.parametrize(
    ("status", "pct", "due", "expected"),
    [
        ("Green", 100, "2025-01-01", "Complete"),  # 100% beats overdue
        ("Completed", 40, "2025-01-01", "Complete"),
        ("Green", 50, "2025-05-31", "Red"),  # one day overdue
        ("Amber", 90, dt.date(2025, 5, 1), "Red"),
        ("red", 80, "2026-01-01", "Red"),  # the lead's own Red is never softened
        ("Green", 74, "2025-07-01", "Amber"),  # due in 30 days, under 75%
        ("Green", 75, "2025-07-01", "Green"),  # exactly 75% is enough
        ("Green", 10, "2025-07-02", "Green"),  # 31 days away: not yet at risk by the rule
        ("Amber", 60, "2026-01-01", "Amber"),  # the lead's Amber is kept
        ("Not started", 0, "2025-06-15", "Amber"),  # not started and due in 14 days
        ("Not started", 0, "2026-01-01", "Not started"),
        (None, None, "2026-01-01", "Not started"),
        (None, 20, "2026-01-01", "Green"),
        ("Green", 0, None, "Green"),  # no due date: only status and progress apply
        ("Green", None, dt.datetime(2025, 6, 1, 9, 30), "Amber"),  # due today, no progress recorded
    ],
)
def test_action_rag(status: str | None, pct: float | None, due: object, expected: str) -> None:
    assert action_rag(status, pct, due, TODAY) == expected  # type: ignore[arg-type]


def test_action_rag_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        action_rag("Green", 120, "2026-01-01", TODAY)
    with pytest.raises(ValueError, match="unknown RAG status"):
        action_rag("Purple", 10, "2026-01-01", TODAY)


@pytest.mark.parametrize(
    ("actions", "expected", "reason"),
    [
        ([], "Not started", "No actions recorded for this priority."),
        (["Complete", "Complete"], "Complete", "All 2 actions are complete."),
        (["Green", "Red", "Green", "Complete"], "Red", "1 action of 4 is Red."),
        (["Red", "Red", "Amber"], "Red", "2 actions of 3 are Red."),
        (["Amber", "Green", "Green"], "Amber", "1 of 3 open actions is Amber (one in three or more)."),
        (["Amber", "Green", "Green", "Green"], "Green", "No actions are Red and 1 of 4 open actions is Amber (fewer than one in three)."),
        (["Amber", "Complete", "Complete", "Complete"], "Amber", "1 of 1 open actions is Amber (one in three or more)."),
        (["Not started", "Not started", "Complete"], "Not started", "None of the 2 open actions has started."),
        (["Green", "Not started"], "Green", "No actions are Red and 0 of 2 open actions are Amber."),
    ],
)
def test_priority_rag(actions: list[str], expected: str, reason: str) -> None:
    assert priority_rag(actions) == (expected, reason)


def test_priority_rag_rejects_blank() -> None:
    with pytest.raises(ValueError, match="blank"):
        priority_rag(["Green", ""])


@pytest.mark.parametrize(
    ("latest", "baseline", "target", "higher_is_better", "spc", "expected", "reason_part"),
    [
        # lower is better (crime counts). 100 vs 100: z = 0
        (100, 100, 90, False, None, "Amber", "Short of target (latest 100, target 90) with no real change."),
        (85, 100, 90, False, None, "Green", "Target met (latest 85, target 90)."),
        # 169 vs 100: exact p = 2 P(X ≥ 169 | n = 269, ½) ≈ 3e-5 → real deterioration, target missed → Red
        (169, 100, 120, False, None, "Red", "169 vs 100 is a real change (allowing for"),
        # 169 vs 100 but target 170 met → Amber, not Green
        (169, 100, 170, False, None, "Amber", "Target met (latest 169, target 170), but"),
        # 49 vs 100: p ≈ 6e-5 → real improvement though target 40 not met → Green
        (49, 100, 40, False, None, "Green", "49 vs 100 is a real change (allowing for how much this count normally "
                                            "varies from month to month); target not yet met"),
        # 144 vs 100: the old rule's z = 2(12 − 10) = 4 called it real; scaled by √2 it is 2.8 (p ≈ 0.006):
        # only possible, not real → Amber
        (144, 100, 120, False, None, "Amber", "Short of target"),
        # SPC says up (worse for crime) while Poisson is quiet → Red
        (105, 100, 90, False, "up", "Red", "SPC chart shows a real change for the worse (up)"),
        (95, 100, 90, False, "down", "Green", "SPC chart shows a real change for the better (down)"),
        # higher is better (e.g. % of actions on track): SPC down is worse
        (70, None, 80, True, "down", "Red", "worse (down)"),
        (85, None, 80, True, None, "Green", "Target met"),
        (75, None, None, True, None, "Amber", "No real change and no target set."),
    ],
)
def test_indicator_rag(
    latest: float,
    baseline: float | None,
    target: float | None,
    higher_is_better: bool,
    spc: str | None,
    expected: str,
    reason_part: str,
) -> None:
    rag, reason = indicator_rag(latest, baseline, target, higher_is_better, spc)  # type: ignore[arg-type]
    assert rag == expected
    assert reason_part in reason


def test_indicator_rag_rates_skip_poisson() -> None:
    # 14.4 vs 10.0 per 1,000 is a rate: no Poisson test, so no real change without an SPC signal
    assert indicator_rag(14.4, 10.0, 9.0, False, None, is_count=False)[0] == "Amber"
    with pytest.raises(ValueError, match="spc_signal_direction"):
        indicator_rag(1, 1, 1, False, "sideways")  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "key"), [("g", "Green"), (" AMBER ", "Amber"), ("done", "Complete"), ("", None)])
def test_normalise_status(text: str, key: str | None) -> None:
    assert normalise_status(text) == key
