"""Most-similar partnerships: a ranking on six areas worked by hand, ties, missing inputs, the words."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cspdash.analysis import similar

E2 = math.exp(2)
# every input takes two values, three areas each, so after standardising each is −1 or +1 and two areas are
# 2 × √(number of inputs they differ on) apart. Bits (residents, density, deprivation, rurality):
# A 0000, B 0001, C 1100, D 1110, E 1011, F 0111
BITS = {"A": "0000", "B": "0001", "C": "1100", "D": "1110", "E": "1011", "F": "0111"}


def _profiles() -> pd.DataFrame:
    rows = []
    for code, bits in BITS.items():
        rows.append({"code": code,
                     "residents": 100_000 * (E2 if bits[0] == "1" else 1),  # log differs by 2
                     "density": 300 * (E2 if bits[1] == "1" else 1),
                     "deprived_share": 0.30 if bits[2] == "1" else 0.10,
                     "rural_share": 0.40 if bits[3] == "1" else 0.05})
    return pd.DataFrame(rows)


def test_standardised_inputs_are_plus_or_minus_one() -> None:
    scaled = similar.standardised(similar.transformed(_profiles()))
    assert scaled.abs().to_numpy() == pytest.approx(1.0)


def test_ranking_for_a_worked_by_hand() -> None:
    # A differs from B on 1 input (distance 2), from C on 2 (2√2), from D, E and F on 3 (2√3, tied: by code)
    groups = similar.most_similar(_profiles(), k=5)
    a = groups[groups["code"] == "A"]
    assert list(a["similar_code"]) == ["B", "C", "D", "E", "F"]
    assert list(a["distance"]) == pytest.approx([2, 2 * math.sqrt(2), 2 * math.sqrt(3), 2 * math.sqrt(3),
                                                 2 * math.sqrt(3)])
    assert list(a["rank"]) == [1, 2, 3, 4, 5]


def test_ranking_for_d_worked_by_hand() -> None:
    # D 1110: C differs on 1 (2), E and F on 2 (2√2, E before F by code), A on 3 (2√3), B on all 4 (4)
    groups = similar.most_similar(_profiles(), k=5)
    d = groups[groups["code"] == "D"]
    assert list(d["similar_code"]) == ["C", "E", "F", "A", "B"]
    assert list(d["distance"]) == pytest.approx([2, 2 * math.sqrt(2), 2 * math.sqrt(2), 2 * math.sqrt(3), 4])


def test_group_size_and_order_do_not_depend_on_row_order() -> None:
    first = similar.most_similar(_profiles(), k=3)
    shuffled = similar.most_similar(_profiles().iloc[[5, 2, 0, 4, 1, 3]], k=3)
    assert first.equals(shuffled)
    assert first.groupby("code").size().eq(3).all()
    assert list(first[first["code"] == "A"]["similar_code"]) == ["B", "C", "D"]


def test_area_missing_an_input_is_left_out() -> None:
    profiles = pd.concat([_profiles(), pd.DataFrame([{"code": "G", "residents": None, "density": 300,
                                                      "deprived_share": 0.1, "rural_share": 0.05}])])
    groups = similar.most_similar(profiles, k=10)
    assert "G" not in set(groups["code"]) and "G" not in set(groups["similar_code"])
    assert groups.groupby("code").size().eq(5).all()


def test_the_method_is_stated_with_its_inputs() -> None:
    text = similar.SIMILARITY_TEXT
    for words in ("15", "residents", "density", "deprived fifth", "IMD 2025", "WIMD 2025", "rural", "equally"):
        assert words in text


@pytest.mark.parametrize(("members", "expected"), [
    ([], "No similar partnerships are known for Newport."),
    (["Cardiff"], "Newport's 1 most similar partnership: Cardiff."),
    (["A", "B", "C"], "Newport's 3 most similar partnerships: A, B and C."),
])
def test_describe_group(members: list[str], expected: str) -> None:
    assert similar.describe_group("Newport", members) == expected
