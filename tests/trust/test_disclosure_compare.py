"""Public output on Compare: the whole force's row is the sum of its partnerships, so a partnership of 1–4 crimes
shown as '<5' beside every other partnership's count came back as the force's count minus the others'."""

from __future__ import annotations

import pandas as pd

from cspdash.metrics.public import side_by_side


def _frame() -> pd.DataFrame:
    rows = [("Alpha", "partnership", 3, 20000), ("Beta", "partnership", 40, 90000),
            ("Gamma", "partnership", 260, 150000), ("Force (whole force)", "force", 303, 260000),
            ("Similar partnerships loaded (3 of 15)", "group", 500, 400000)]
    frame = pd.DataFrame(rows, columns=["name", "kind", "crimes", "residents"])
    frame["rate"] = frame["crimes"] * 1000 / frame["residents"]
    frame["rate_text"] = [f"{r:.2f}" for r in frame["rate"]]
    frame["rank"] = [3, 2, 1, None, None]
    frame["quartile"] = [4, 2, 1, None, None]
    frame["verdict"] = ["in line", "in line", "higher", "", ""]
    return frame


def _recovered(out: pd.DataFrame) -> list[str]:
    """The attacker: the force's count minus the partnerships' counts shown, and each rate × residents ÷ 1,000."""
    truth = dict(zip(_frame()["name"], _frame()["crimes"], strict=True))
    found = []
    parts = out[out["kind"] == "partnership"]
    force = out[out["kind"] == "force"]["crimes_shown"].iat[0]
    hidden = parts[~parts["crimes_shown"].str.fullmatch(r"\d+")]
    if force.isdigit() and len(hidden) == 1:
        rest = int(force) - sum(int(v) for v in parts["crimes_shown"] if v.isdigit())
        if rest == truth[hidden["name"].iat[0]]:
            found.append(f"{hidden['name'].iat[0]} = force − the others")
    for row in out.itertuples():
        if pd.notna(row.rate) and 1 <= truth[row.name] <= 4 and round(row.rate * row.residents / 1000) == truth[row.name]:
            found.append(f"{row.name} from its rate")
    return found


def test_no_partnership_count_of_1_to_4_comes_back_from_the_force_total() -> None:
    out = side_by_side(_frame())
    shown = dict(zip(out["name"], out["crimes_shown"], strict=True))
    assert shown["Alpha"] == "<5" and shown["Beta"] == "[c]" and shown["Gamma"] == "260"
    assert shown["Force (whole force)"] == "303"
    assert not _recovered(out), _recovered(out)
    hidden = out[out["hidden"]]
    assert hidden["rate"].isna().all() and hidden["rate_text"].isna().all() and hidden["rank"].isna().all()


def test_the_attack_recovers_the_count_when_only_the_small_one_is_hidden() -> None:
    """Guard: '<5' for Alpha alone (the old rule) gives 3 back from 303 − 40 − 260."""
    plain = _frame().assign(crimes_shown=["<5", "40", "260", "303", "500"])
    plain.loc[0, "rate"] = float("nan")
    assert _recovered(plain) == ["Alpha = force − the others"]
