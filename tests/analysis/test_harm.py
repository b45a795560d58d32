"""Harm weights: derived from the CCHI workbook, reproducible, validated when user-supplied."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cspdash.analysis.derive_harm_weights import (
    DEFAULT_SOURCE_DIR,
    HARM_COLUMNS,
    code_score,
    derive_harm_weights,
    normalise_crime_type,
    read_cchi_scores,
)
from cspdash.analysis.harm import harm_score, load_harm_weights
from cspdash.config import HARM_WEIGHTS_CSV
from cspdash.vocab import CRIME_TYPES

needs_source = pytest.mark.skipif(
    not (DEFAULT_SOURCE_DIR / "cchi2020dataxls.xlsx").exists() and os.environ.get("CSPDASH_REQUIRE_SHARED") != "1",
    reason=f"needs the CCHI source files in {DEFAULT_SOURCE_DIR} (../shared/data), which are not here"
)


def test_shipped_weights_cover_every_crime_type_and_are_positive() -> None:
    weights = load_harm_weights()
    assert list(weights.columns) == list(HARM_COLUMNS)
    assert sorted(weights["crime_type"]) == sorted(CRIME_TYPES)
    assert (weights["harm_weight_days"] > 0).all()
    by_type = weights.set_index("crime_type")["harm_weight_days"]
    assert by_type["Violence and sexual offences"] > by_type["Shoplifting"]
    assert by_type["Robbery"] > by_type["Theft from the person"]
    assert by_type["Anti-social behaviour"] == 1.0  # nominal, documented estimate
    assert all(note.startswith("Estimate") for note in weights["source_note"])
    assert (weights["share_of_offences_with_score"].drop(index=0) > 0.99).all()


@needs_source
def test_rederiving_reproduces_shipped_file() -> None:
    derived = derive_harm_weights(DEFAULT_SOURCE_DIR)
    shipped = pd.read_csv(HARM_WEIGHTS_CSV)
    pd.testing.assert_frame_equal(derived, shipped, check_dtype=False)


@needs_source
def test_code_scores_by_hand_from_the_workbook() -> None:
    cchi = read_cchi_scores(DEFAULT_SOURCE_DIR / "cchi2020dataxls.xlsx")
    assert code_score("46", cchi) == 1.0  # theft from shops and stalls (and its attempt): 1 day
    assert code_score("34A", cchi) == code_score("34B", cchi) == 365.0  # robbery: 1 year
    # 59 lists explosives offences at 1,460 and threats to damage property at 2: lower median 2
    assert sorted(cchi["59"]) == [2.0, 2.0, 1460.0, 1460.0] and code_score("59", cchi) == 2.0
    assert code_score("37.1", cchi) == 1825.0  # CCHI writes 37/1
    assert code_score("1/4.1/4.10/4.2", cchi) == 5475.0  # homicide pools murder and manslaughter
    assert code_score("88D", cchi) is None


@needs_source
def test_robbery_and_drugs_weights_by_hand() -> None:
    counts = pd.read_csv(DEFAULT_SOURCE_DIR / "prc-pfa-201718_new.csv", dtype=str)
    counts = counts[~counts["Force_Name"].isin(["Action Fraud", "CIFAS", "UK Finance", "Financial Fraud Action UK"])]
    counts["n"] = counts["Number_of_Offences"].astype(int)
    total = counts.groupby("Offence_Code")["n"].sum()
    weights = load_harm_weights().set_index("crime_type")
    # Robbery: 34A and 34B both score 365, so the weighted mean is 365 whatever the mix
    assert weights.loc["Robbery", "harm_weight_days"] == 365.0
    assert weights.loc["Robbery", "offences_matched"] == total["34A"] + total["34B"]
    # Drugs: 92A trafficking (lower median 547.5), 92C other (10), 92D possession excl. cannabis (3),
    # 92E cannabis possession (2), weighted by 2017/18 offences
    scores = {"92A": 547.5, "92C": 10.0, "92D": 3.0, "92E": 2.0}
    expected = sum(total[c] * s for c, s in scores.items()) / sum(total[c] for c in scores)
    assert weights.loc["Drugs", "harm_weight_days"] == pytest.approx(expected, abs=0.005)
    # Shoplifting is one code scored 1 day
    assert weights.loc["Shoplifting", "harm_weight_days"] == 1.0
    assert weights.loc["Shoplifting", "offences_matched"] == total["46"]


def test_normalise_crime_type() -> None:
    assert normalise_crime_type("Violence and Sexual Offences") == "Violence and sexual offences"
    assert normalise_crime_type("Theft from the Person") == "Theft from the person"
    with pytest.raises(ValueError, match="not a police.uk crime type"):
        normalise_crime_type("Fraud")


def test_user_weights_replace_shipped(tmp_path: Path) -> None:
    path = tmp_path / "weights.csv"
    path.write_text("crime_type,harm_weight_days\nBurglary,20\nShoplifting,0.5\n", encoding="utf-8")
    weights = load_harm_weights(path)
    assert weights["crime_type"].tolist() == ["Burglary", "Shoplifting"]
    assert weights["harm_weight_days"].tolist() == [20.0, 0.5]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("crime_type,weight\nBurglary,2\n", "missing column"),
        ("crime_type,harm_weight_days\nBurglary,2\nShoplifting,lots\n", "row 3 \\(Shoplifting\\).*not a number"),
        ("crime_type,harm_weight_days\nBurglary,-1\n", "row 2 \\(Burglary\\).*≥ 0"),
        ("crime_type,harm_weight_days\nBurglary,\n", "row 2 \\(Burglary\\)"),
        ("crime_type,harm_weight_days\nBurglary,2\nBurglary,3\n", "row 3.*appears twice"),
        ("crime_type,harm_weight_days\n,2\n", "row 2: crime_type is blank"),
    ],
)
def test_user_weights_validation_names_the_bad_row(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "weights.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_harm_weights(path)


def test_harm_score() -> None:
    counts = pd.DataFrame(
        {"crime_type": ["Burglary", "Shoplifting", "Burglary"], "count": [3, 10, 0]}, index=[5, 6, 7]
    )
    score = harm_score(counts, {"Burglary": 16.76, "Shoplifting": 1.0})
    np.testing.assert_allclose(score.to_numpy(), [50.28, 10.0, 0.0])
    assert score.index.tolist() == [5, 6, 7]
    shipped = harm_score(counts, load_harm_weights())
    assert shipped.iloc[1] == 10.0
    with pytest.raises(ValueError, match="Violent crime"):
        harm_score(pd.DataFrame({"crime_type": ["Violent crime"], "count": [1]}), {"Burglary": 1.0})
