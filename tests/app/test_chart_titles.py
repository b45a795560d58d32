"""Chart titles on a narrow screen: plotly does not wrap a title, so charts.theme breaks a long one into lines
(``title_lines``) and gives each further line room at the top (``title_room``). On a phone (390 px) 10 of the 13
chart titles of Crime trends, Compare, Hot spots and the action plan ran off the chart's edge
(tests/e2e/test_labels_fit.py checks them in the browser)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from cspdash.charts import theme
from cspdash.charts.trends import trend_lines


def test_a_long_title_is_broken_between_words_after_its_colon() -> None:
    assert theme.title_lines("Burglary: number recorded, by month") == ["Burglary: number recorded, by month"]
    assert theme.title_lines("All recorded crime (excluding ASB): number recorded, by month") == [
        "All recorded crime (excluding ASB):", "number recorded, by month"]
    # the colon would cost a third line here: broken where the words fall instead
    assert theme.title_lines("Newport 014D: latest outcome of crimes recorded Jul 2024 – Jun 2025") == [
        "Newport 014D: latest outcome of crimes", "recorded Jul 2024 – Jun 2025"]
    # never before a range's dash
    assert theme.title_lines("All recorded crime (excluding ASB): rate against residents, Jul 2024 – Jun 2025") == [
        "All recorded crime (excluding ASB): rate", "against residents, Jul 2024 – Jun 2025"]
    # a word longer than a line keeps its line
    assert theme.title_lines("x" * 50 + " y") == ["x" * 50, "y"]
    for title in ("All recorded crime (excluding ASB) in Newport: monthly count with process limits",
                  "Recorded crimes and ASB incidents by neighbourhood (LSOA)"):
        lines = theme.title_lines(title)
        assert len(lines) > 1 and all(len(line) <= theme.TITLE_WIDTH for line in lines)
        assert " ".join(lines) == title  # nothing lost or added


def test_each_further_line_gets_room_and_a_one_line_title_is_as_before() -> None:
    short = theme.apply(go.Figure(), "Burglary: number recorded, by month")
    assert short.layout.margin.t is None and short.layout.title.y is None  # the template's 50 px, plotly's place
    long = theme.apply(go.Figure(), "All recorded crime (excluding ASB): rate per 1,000 residents in the period "
                                    "(Jul 2024 – Jun 2025)")
    assert long.layout.title.text.count("<br>") == 2
    assert long.layout.margin.t == 50 + 2 * theme.TITLE_LINE
    assert (long.layout.title.yref, long.layout.title.y, long.layout.title.yanchor) == ("container", 1, "top")
    # a chart that set its own top margin before the title (the maps) keeps it, plus the room
    mapped = go.Figure().update_layout(margin={"t": 40})
    assert theme.apply(mapped, "Recorded crimes and ASB incidents by neighbourhood (LSOA)").layout.margin.t == 62
    # one that sets it after (the trend lines' legend below) asks title_room
    months = pd.date_range("2024-01-01", periods=3, freq="MS")
    frame = pd.DataFrame({"period": months, "area_name": "Newport", "crimes": [1, 2, 3],
                          "period_label": [m.strftime("%b %Y") for m in months]})
    figure = trend_lines(frame, "crimes", "All recorded crime (excluding ASB): number recorded, by month",
                         "Incidents", shade=(date(2024, 1, 1), date(2024, 3, 1)))
    assert figure.layout.margin.t == 70 + theme.TITLE_LINE


def test_markup_in_a_long_title_stays_text_on_every_line() -> None:
    """An area's name is data: broken into lines, its '<' is still escaped (theme.plain), and only our <br> is
    markup."""
    figure = theme.apply(go.Figure(), "Burglary in <a href='x'>Newport</a> and its neighbours: monthly count")
    text = figure.layout.title.text
    assert "<a" not in text and "&lt;a" in text
    assert text.replace("<br>", "").count("<") == 0


def test_compare_charts_keep_their_labels_inside_a_narrow_chart() -> None:
    """At 390 px Compare's bars cut the longest bar's figure to "1" (of 118.3) and the funnel cut the chosen
    partnership's name to "Newpo": the bars' axis now runs 22% past the longest bar with the figures drawn over the
    axis's end, and the chosen name goes on the side of its marker that has room."""
    from cspdash.charts.funnel import funnel_figure, rate_bars

    bars = rate_bars(pd.DataFrame({"name": ["Newport", "Torfaen", "Gwent Police"], "rate": [118.3, 100.2, 97.3],
                                   "rate_text": ["118.3", "100.2", "97.3"],
                                   "kind": ["partnership", "partnership", "force"]}), "Newport", "Rates", "Per 1,000")
    assert tuple(bars.layout.xaxis.range) == (0, 1.22 * 118.3) and bars.data[0].cliponaxis is False
    points = pd.DataFrame({"partnership_code": ["A", "B", "C"], "partnership_name": ["Small", "Middle", "Large"],
                           "residents": [60_000, 100_000, 160_000], "rate": [120.0, 100.0, 118.0]})

    def chosen_side(code: str) -> str:
        figure = funnel_figure(points, pd.DataFrame(), code, "Funnel", "Rate")
        return next(t.textposition for t in figure.data if t.name != "Other partnerships")

    assert chosen_side("C") == "middle left"  # at the right-hand end: its name to the left
    assert chosen_side("A") == "middle right"
