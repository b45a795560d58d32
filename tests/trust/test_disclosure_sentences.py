"""Public output: sentences never quote, rank or order a hidden count.

A trend sentence named the highest period among the counts shown ('highest Jan 2025 (0)' while a hidden month
held 1–4, and 'highest … (7)' bounds a '[c]' month to 5–7); an SPC signal wrote '<5 rising to 8' over six months
each higher than the one before, which makes four '<5' months exactly 1, 2, 3 and 4.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from cspdash.analysis.spc import series_signals
from cspdash.metrics import crime
from cspdash.metrics.disclosure import public_count_format
from cspdash.metrics.period import add_months, month_label


# ---------------------------------------------------------------------------------------------- trend sentences
def _frame(crimes: list[float], shown: list[str]) -> pd.DataFrame:
    months = [add_months(date(2024, 7, 1), i) for i in range(len(crimes))]
    return pd.DataFrame({"area_name": "Newport 006A", "period": months,
                         "period_label": [month_label(m) for m in months],
                         "crimes": pd.array(crimes, dtype="Float64"), "crimes_shown": shown, "complete": True})


def test_a_trend_sentence_names_no_highest_period_while_a_count_is_hidden() -> None:
    """Months 0, <5, 0, 0: the old sentence said 'highest Jul 2024 (0)' (every shown month 0: the hidden one,
    1–4, is the highest). Months 7, [c], 6, 8: 'highest Mar 2025 (8)' bounded the '[c]' month to 5–8."""
    for crimes, shown in (([0, np.nan, 0, 0], ["0", "<5", "0", "0"]),
                          ([7, np.nan, 6, 8], ["7", "[c]", "6", "8"])):
        public = crime.trend_sentence(_frame(crimes, shown), "crimes", "Possession of weapons", "crimes")
        assert "highest" not in public and "lowest" not in public, public
        assert "1 of 4 periods hidden in public output" in public, public
        plain = crime.trend_sentence(_frame(crimes, shown).drop(columns="crimes_shown").fillna({"crimes": 3}),
                                     "crimes", "Possession of weapons", "crimes")
        assert "highest" in plain, "the guard: outside public output the highest period is named"


def test_a_hidden_latest_period_is_written_as_shown() -> None:
    """The latest month hidden: the sentence says '<5' for it rather than quietly quoting an earlier month."""
    sentence = crime.trend_sentence(_frame([9, 8, 7, np.nan], ["9", "8", "7", "<5"]), "crimes", "Robbery", "crimes")
    assert "Newport 006A <5 crimes in Oct 2024" in sentence, sentence
    assert not re.search(r"\b(9|8|7)\b", sentence.split(";")[0]), sentence


# ---------------------------------------------------------------------------------------------- SPC signals
def _spans(values: list[float], public: bool) -> list[tuple[int, int, str]]:
    months = [add_months(date(2023, 1, 1), i) for i in range(len(values))]
    found = series_signals(np.array(values, dtype=float), dates=months, count_format=public_count_format(public))
    return [(s.start_index, s.end_index, s.sentence) for s in found]


#: 18 quiet months, then six months each higher than the one before: 1, 2, 3, 4, 6, 8 (the first four '<5')
RISING = [2, 1, 3, 2, 1, 2, 3, 1, 2, 2, 1, 3, 2, 1, 2, 3, 1, 2, 1, 2, 3, 4, 6, 8]
#: a run of 8 months above the average that holds months of 3 and 4 (the run says each is above it)
RUN = [1, 0, 1, 2, 0, 1, 1, 0, 2, 1, 0, 1, 1, 0, 2, 1, 3, 4, 3, 6, 7, 5, 6, 8]


def test_no_signal_in_public_output_spans_a_hidden_month() -> None:
    for values in (RISING, RUN):
        plain = _spans(values, False)
        assert any(any(1 <= values[k] <= 4 for k in range(a, b + 1)) for a, b, _s in plain), \
            "the guard: outside public output a signal runs over months of 1–4"
        public = _spans(values, True)
        for start, end, sentence in public:
            small = [values[k] for k in range(start, end + 1) if 1 <= values[k] <= 4]
            assert not small, f"{sentence!r} orders hidden months {small}"


def test_four_rising_hidden_months_are_not_given_back() -> None:
    """The sentence 'each higher than the one before (<5 rising to 8)' over 1, 2, 3, 4, 6, 8 pins the four '<5'
    months; in public output no such sentence is written."""
    plain = [s for _a, _b, s in _spans(RISING, False) if "rising" in s]
    assert plain and "(1 rising to 8)" in plain[0]
    assert not [s for _a, _b, s in _spans(RISING, True) if "rising" in s or "<5" in s]


def test_signals_over_shown_months_are_still_written_in_public_output() -> None:
    """Months of 5 or more: the same signals, word for word, in public output."""
    values = [v + 10 for v in RISING]
    assert _spans(values, True) == _spans(values, False) and _spans(values, True)


def test_a_series_hidden_throughout_is_not_called_no_data() -> None:
    """Public output hid every month of Newport's all-crime series (each '[c]': showing it would give small counts
    elsewhere back); the sentence under the chart said 'There is no data for All crime in the areas and months
    chosen', as if no crime had been recorded. It now says the months are hidden, and why."""
    sentence = crime.trend_sentence(_frame([np.nan] * 4, ["[c]"] * 4), "crimes", "All crime", "crimes")
    assert "no data" not in sentence.lower(), sentence
    assert "4 of 4 periods hidden in public output" in sentence, sentence
    assert "would give a small one elsewhere back" in sentence and "[c] crimes in" in sentence, sentence
    small_only = crime.trend_sentence(_frame([np.nan] * 4, ["<5"] * 4), "crimes", "Robbery", "crimes")
    assert "(too few crimes)" in small_only, small_only
    nothing = crime.trend_sentence(_frame([np.nan] * 4, [""] * 4).drop(columns="crimes_shown"), "crimes", "Robbery",
                                   "crimes")
    assert nothing.startswith("There is no data"), "the guard: a series with no counts at all still says so"


def test_a_chart_hidden_throughout_says_so_on_the_chart() -> None:
    """The same series drew an empty chart with nothing on it to say why; it now carries one line across it.
    A chart with any point shown, or outside public output (no crimes_shown), carries none."""
    from cspdash.charts.trends import HIDDEN_THROUGHOUT, trend_lines

    def notes(frame: pd.DataFrame) -> list[str]:
        figure = trend_lines(frame, "crimes", "All crime", "Crimes")
        return [str(a.text) for a in figure.layout.annotations]

    hidden = _frame([np.nan] * 4, ["[c]"] * 4)
    assert any("Every point is hidden in public output" in n and "&lt;5" in n for n in notes(hidden)), notes(hidden)
    assert HIDDEN_THROUGHOUT[0].startswith("Every point")
    assert not any("Every point" in n for n in notes(_frame([7, np.nan, 6, 8], ["7", "[c]", "6", "8"])))
    assert not any("Every point" in n for n in notes(_frame([np.nan] * 4, ["[c]"] * 4).drop(columns="crimes_shown")))
