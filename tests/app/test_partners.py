"""The partners page on the Gwent demo store (SAMPLE plan): lead bodies, contributions, one partner's view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_priorities import raw

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
NEWPORT, CAERPHILLY = "W06000022", "W06000018"




def open_page(store_path: Path, use_store: Callable[[Path], None], query: dict[str, str] | None = None) -> AppTest:
    """The partners page; sidebar choices through the URL (AppTest cannot set widgets drawn before navigation)."""
    use_store(store_path)
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    at.query_params.update(query or {})
    at.run()
    at.switch_page("pages/partners.py").run()
    assert not at.exception, at.exception
    return at


def table_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table on the page that has all ``columns``."""
    return next(df.value for df in at.dataframe if set(columns) <= set(df.value.columns))


@pytest.fixture()
def page(demo_store_path: Path, use_store: Callable[[Path], None]) -> AppTest:
    """The partners page on the shared demo store."""
    return open_page(demo_store_path, use_store)


def test_lead_body_for_every_priority(page: AppTest, demo_store_path: Path) -> None:
    expected = raw(demo_store_path, "SELECT p.title, pa.partner_name FROM priority p JOIN partner pa "
                                    "ON pa.partner_code = p.lead_partner WHERE p.partnership_code = ? "
                                    "ORDER BY p.priority_id", [NEWPORT])
    leads = table_with(page, "Lead partner", "Partner type")
    assert list(zip(leads["Priority"], leads["Lead partner"], strict=True)) == expected


def test_partner_totals_add_up(page: AppTest, demo_store_path: Path) -> None:
    actions, funding = raw(demo_store_path, """
        SELECT (SELECT count(*) FROM action a JOIN priority p USING (priority_id) WHERE p.partnership_code = $c),
               (SELECT sum(amount_gbp) FROM partner_contribution WHERE partnership_code = $c
                AND kind = 'funding')""", {"c": NEWPORT})[0]  # type: ignore[arg-type]
    totals = table_with(page, "Priorities led", "Led")
    assert totals["Led"].sum() == actions  # every action has exactly one owner
    assert totals["Cash funding (£)"].sum() == pytest.approx(funding)
    priorities = raw(demo_store_path, "SELECT count(*) FROM priority WHERE partnership_code = ?", [NEWPORT])[0][0]
    assert totals["Priorities led"].sum() == priorities
    matrix = table_with(page, "Partner", "Priority", "Slipping")
    assert matrix["Led"].sum() == actions and matrix["Overdue"].sum() == totals["Overdue"].sum()


def test_choose_a_partner(page: AppTest, demo_store_path: Path) -> None:
    code, name = raw(demo_store_path, "SELECT partner_code, partner_name FROM partner WHERE partner_code = "
                                      "'GWENT_POLICE'")[0]
    page.selectbox(key="flt_partner").set_value(code).run()
    assert not page.exception
    led, supported = raw(demo_store_path, """
        SELECT count(*) FILTER (WHERE owner_partner = $p),
               count(*) FILTER (WHERE owner_partner <> $p AND list_contains(string_split(supporting_partners, ';'), $p))
        FROM action a JOIN priority pr USING (priority_id) WHERE pr.partnership_code = $c""",
        {"p": code, "c": NEWPORT})[0]  # type: ignore[arg-type]
    assert any(m.value == f"**{name}** leads {led} and supports {supported} actions." for m in page.markdown)
    mine = table_with(page, "Role", "Action ID")
    assert (mine["Role"] == "leads").sum() == led


def test_choose_partnership(demo_store_path: Path, use_store: Callable[[Path], None]) -> None:
    at = open_page(demo_store_path, use_store, {"csp": CAERPHILLY})
    expected = [t for (t,) in raw(demo_store_path, "SELECT title FROM priority WHERE partnership_code = ? "
                                                   "ORDER BY priority_id", [CAERPHILLY])]
    assert table_with(at, "Lead partner", "Partner type")["Priority"].tolist() == expected


def test_cash_and_in_kind_kept_apart_per_financial_year(page: AppTest, demo_store_path: Path) -> None:
    """The failure: the headline said £500,000 of funding while the table counted the fire service's and Victim
    Support's in-kind support as funding, summed over three years with no split by year."""
    totals = table_with(page, "Priorities led", "Led").set_index("Partner")
    assert totals.loc["South Wales Fire and Rescue Service", "Cash funding (£)"] == 0
    assert totals.loc["South Wales Fire and Rescue Service", "In-kind (£)"] > 0
    assert totals.loc["Victim Support", "Cash funding (£)"] == 0
    years = table_with(page, "Financial year", "Cash funding (£)", "In-kind support (£)")
    by_sql = dict(raw(demo_store_path, "SELECT period, sum(amount_gbp) FROM partner_contribution WHERE "
                                       "partnership_code = ? AND kind = 'funding' GROUP BY 1", [NEWPORT]))
    assert dict(zip(years["Financial year"], years["Cash funding (£)"], strict=True))["2024/25"] == by_sql["2024/25"]
    assert any(years["Grants ending"].str.contains("March 2025|Mar 2025"))


def test_contributions_without_staff_time_say_so_not_none(page: AppTest) -> None:
    """The failure: a contribution with no FTE (cash, in-kind, data) showed 'None' in the staff column."""
    every = table_with(page, "Kind", "Amount (£)", "Staff (FTE)")
    staff = [str(v) for v in every["Staff (FTE)"]]
    assert not any(v in ("None", "nan", "NaN", "<NA>") for v in staff), staff
    assert "—" in staff  # cash funding etc. give no staff time
    assert any(v[:1].isdigit() for v in staff)  # the staff contributions keep their FTE, e.g. '1.5'
    # the same for money: a staff contribution has no amount, and the browser drew a missing number as 'None'
    amounts = every["Amount (£)"].tolist()
    assert not any(pd.isna(v) or str(v) in ("None", "nan", "NaN", "<NA>") for v in amounts), amounts
    assert "—" in amounts and any(str(v).startswith("£") for v in amounts), amounts


def _column_px(table) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The width (px) the page gave each column of a drawn table."""
    import json

    config = json.loads(table.proto.columns or "{}")
    return {name: int(spec.get("width", 0)) for name, spec in config.items()}


def test_long_partner_names_wrap_instead_of_being_cut(demo_store_path: Path,
                                                      use_store: Callable[[Path], None]) -> None:
    """At 1,366 px the lead bodies table narrows its text columns; 'Caerphilly County Borough Council' and
    'Office of the Police and Crime Commissioner for Gwent' were then cut at the cell's edge. The rows are now
    tall enough for the grid to wrap (over 64 px: one line below that) and as many lines as the longest name
    needs at its column's width."""
    at = open_page(demo_store_path, use_store, {"csp": CAERPHILLY})
    for columns in (("Lead partner", "Partner type"), ("Partner", "Cash funding (£)")):
        drawn = next(d for d in at.dataframe if set(columns) <= set(d.value.columns))
        name = drawn.value[columns[0]].astype(str)
        width = _column_px(drawn)[columns[0]]
        assert name.str.len().max() * 7 + 24 > width, "the longest name is wider than its column"
        lines = -(-(name.str.len().max()) // ((width - 24) // 7))  # ceiling of characters ÷ characters a line
        assert drawn.proto.row_height > 64 and drawn.proto.row_height >= 12 + 20 * min(lines, 3), drawn.proto.row_height


def test_short_tables_stay_one_line_and_words_stay_whole() -> None:
    from cspdash.ui.blocks import fitted_px, wrapped_row_height

    short = pd.DataFrame({"Partner": ["Gwent Police"], "Actions": [4]})
    assert wrapped_row_height(short, fitted_px(short)) is None
    matrix = pd.DataFrame({"Partner": ["Aneurin Bevan University Health Board"] * 3,
                           "Priority": ["Anti-social behaviour", "Reducing reoffending", "Drug and alcohol harm"],
                           **{f"Figure {i}": [1, 2, 3] for i in range(8)}})  # fits 820 px with whole words
    widths = fitted_px(matrix)
    assert widths["Priority"] >= len("reoffending") * 7 + 24  # 'reoffending' is not broken mid-word
    # Partner at 170 px holds (170 - 24) / 7 = 20.9 characters a line: its 37 take 2 lines; Priority at 101 px
    # holds 11: 'Drug and alcohol harm' (21) takes 2. Two lines need 12 + 2 × 20 = 52 px, but the grid wraps only
    # above 64 px, so 65.
    assert (widths["Partner"], widths["Priority"]) == (170, 101)
    assert wrapped_row_height(matrix, widths) == 65


def test_a_wide_table_still_fits_when_its_words_are_long() -> None:
    """Keeping each column's longest word whole made the action tables wider than the page (954 and 1,121 px
    against 904 in Chromium): when whole words cannot fit, a long word breaks rather than the grid scrolling."""
    from cspdash.ui.blocks import TABLE_WIDTH_PX, fitted_px

    wide = pd.DataFrame({f"Column {i}": ["Neighbourhood-policing partnership-wide intervention"] for i in range(9)})
    assert sum(fitted_px(wide).values()) <= TABLE_WIDTH_PX
