"""The hot spot map's "In words" sentence: names the chosen crime type, reads naturally for every measure,
keeps the catalogue's acronyms and says '1 crime' for one."""

from __future__ import annotations

import pandas as pd
import pytest

from cspdash.metrics import hotspots as hs


def _frame(values: list[float]) -> pd.DataFrame:
    """Three areas, the first a hot spot; the largest value in 'Newport 014D'."""
    return pd.DataFrame({"area_name": ["Newport 014D", "Newport 001A", "Newport 002B"][: len(values)],
                         "value": values, "hot_spot": ["Hot spot 95%", "Not significant", "Not significant"][: len(values)]})


@pytest.mark.parametrize(("measure", "crime_type", "values", "ending"), [
    ("count", "Possession of weapons", [11, 3, 2],
     "the most Possession of weapons crimes were in Newport 014D (11 crimes)."),
    ("count", "Possession of weapons", [1, 0, 0],
     "the most Possession of weapons crimes were in Newport 014D (1 crime)."),
    ("count", "Anti-social behaviour", [1, 0, 0],
     "the most Anti-social behaviour incidents were in Newport 014D (1 incident)."),
    ("count", None, [1234, 5, 6],
     "the most recorded crimes and ASB incidents were in Newport 014D (1,234 incidents)."),
    ("count", "Vehicle crime", [7, 1, 0],
     "the most Vehicle crime was in Newport 014D (7 crimes)."),
    ("rate", "Burglary", [12.34, 1.0, 2.0],
     "the highest rate of Burglary crimes is in Newport 014D (12.3 per 1,000 residents)."),
    ("rate", None, [40.0, 1.0, 2.0],
     "the highest rate of recorded crimes and ASB incidents is in Newport 014D (40.0 per 1,000 residents)."),
    ("harm", "Burglary", [1234.4, 1.0, 2.0],
     "the most harm from Burglary crimes is in Newport 014D (an estimated 1,234 days of imprisonment)."),
    ("harm", None, [1.0, 0.0, 0.0],
     "the most harm is in Newport 014D (an estimated 1 day of imprisonment)."),
])
def test_the_sentence_names_the_chosen_type_for_every_measure(measure: str, crime_type: str | None,
                                                              values: list[float], ending: str) -> None:
    summary = hs.map_summary(_frame(values), measure, "lsoa", "95", crime_type)
    assert summary == ("Of 3 neighbourhoods (LSOAs), 1 is a hot spot and 0 are cold spots at 95% confidence or "
                       f"more; {ending}")
    assert "asb" not in summary and "  " not in summary and "days days" not in summary


def test_no_value_names_the_type() -> None:
    summary = hs.map_summary(_frame([float("nan")] * 3), "rate", "ward", "90", "Vehicle crime")
    assert summary == "No wards have a rate of Vehicle crime in this period."


def test_the_map_title_names_the_chosen_type_and_fits_above_the_map() -> None:
    """The title was 'Recorded crimes and ASB incidents by neighbourhood (LSOA) · Possession of weapons, Jul 2024
    – Jun 2025': ASB for a type that is not ASB, and cut off at the map's edge (the period is now a subtitle)."""
    from cspdash.metrics.hotspots import map_titles

    assert map_titles("count", "Possession of weapons", "neighbourhood (LSOA)") == (
        "Possession of weapons crimes by neighbourhood (LSOA)", "Crimes")
    assert map_titles("count", "Anti-social behaviour", "ward") == (
        "Anti-social behaviour incidents by ward", "Incidents")
    assert map_titles("rate", "Vehicle crime", "ward")[0] == "Vehicle crime per 1,000 residents by ward"
    assert map_titles("harm", "Burglary", "ward")[0] == "Harm from Burglary crimes (estimate) by ward"
    every, scale = map_titles("count", None, "neighbourhood (LSOA)")
    assert every.startswith("Recorded crimes and ASB incidents") and "ASB" in scale
    longest = max(len(map_titles(m, t, "neighbourhood (LSOA)")[0]) for m in ("count", "rate", "harm")
                  for t in ("Violence and sexual offences", "Criminal damage and arson", None))
    assert longest <= 80, longest  # about what the map's column holds at 1,366 px in 16 px type
