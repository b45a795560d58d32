"""Filter widgets whose values live in the URL, so a councillor can share the exact view.

Every value read from the URL is checked against the allowed options; an unknown value falls back to the
default with a plain message (never an error), so a hand-edited or malicious link is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

from cspdash.metrics import context
from cspdash.metrics.period import Period, add_months, month_label, parse_month
from cspdash.ui import params
from cspdash.ui.db import query


@dataclass(frozen=True)
class Selection:
    """The sidebar's choice: partnership and reporting period."""

    partnership_code: str
    partnership_name: str
    force: str
    period: Period
    months: tuple[date, ...]


def url_choice(
    label: str,
    options: Sequence[Any],
    param: str,
    default: Any,
    format_func: Callable[[Any], str] = str,
    to_url: Callable[[Any], str] = str,
    container: Any = None,
    help: str | None = None,
) -> Any:
    """A selectbox bound to URL parameter ``param``; bad URL values fall back to ``default`` with a note."""
    where = container if container is not None else st
    options = list(options)
    if not options:
        return None
    by_url = {to_url(option): option for option in options}
    key = f"flt_{param}"
    raw = st.query_params.get(param)
    for old, now in params.OLD_NAMES.items():  # a link with a parameter's older name: read it, then rename it
        if now == param and old in st.query_params:
            raw = st.query_params[old] if raw is None else raw
            del st.query_params[old]
    if key not in st.session_state:
        if raw is not None and raw in by_url:
            st.session_state[key] = by_url[raw]
        else:
            if raw is not None:
                _note_bad_value(label, raw, format_func(default))
            st.session_state[key] = default if default in options else options[0]
    elif st.session_state[key] not in options:
        st.session_state[key] = default if default in options else options[0]
    value = where.selectbox(label, options, key=key, format_func=format_func, help=help)
    st.query_params[param] = to_url(value)
    return value


def _note_bad_value(label: str, raw: str, used: str) -> None:
    from cspdash.ui.blocks import literal

    shown = raw if len(raw) <= 40 else raw[:39] + "…"
    st.session_state.setdefault("_url_notes", []).append(  # the link's text shown literally, never as markdown
        f"The link asked for {label.lower()} “{literal(shown)}”, which isn't available; showing {literal(used)} instead."
    )


def show_url_notes() -> None:
    """Show (once) any notes about link values that were replaced by defaults."""
    for note in st.session_state.pop("_url_notes", []):
        st.info(note, icon=":material/info:")


def sidebar_selection() -> Selection | None:
    """Partnership and period widgets in the sidebar; None when the store has no partnerships yet."""
    partnerships = query(context.partnerships)
    if partnerships.empty:
        return None
    names = dict(zip(partnerships["partnership_code"], partnerships["partnership_name"], strict=True))
    forces = dict(zip(partnerships["partnership_code"], partnerships["force"], strict=True))
    codes = list(names)
    default_code = "W06000022" if "W06000022" in names else codes[0]
    st.sidebar.markdown("**Area and period**")
    force_names = sorted({f for f in forces.values() if isinstance(f, str) and f})
    if len(force_names) > 1:  # partnerships grouped by force: the force first, then its partnerships
        asked = st.query_params.get(params.PARTNERSHIP)
        default_force = forces.get(asked) if asked in forces else forces.get(default_code)
        force = url_choice("Police force", force_names, params.FORCE, default_force or force_names[0],
                           container=st.sidebar, help="The police force area; its partnerships are listed below")
        codes = [c for c in codes if forces.get(c) == force] or codes
        default_code = default_code if default_code in codes else codes[0]
    code = url_choice("Partnership", codes, params.PARTNERSHIP, default_code, format_func=lambda c: names[c],
                      container=st.sidebar, help="Community Safety Partnership area")
    months = tuple(query(context.months_available, forces.get(code)))
    if not months:
        months = tuple(query(context.months_available, None))
    if not months:
        return Selection(code, names[code], forces.get(code) or "", Period(date.today().replace(day=1)), ())
    length = url_choice("Period length", [12, 6, 3], params.PERIOD_LENGTH, 12, format_func=lambda n: f"{n} months",
                        container=st.sidebar, help="Rolling window; compared with the same length immediately before.")
    end = url_choice("Period ending", period_ends(months, length), params.PERIOD_END, months[-1],
                     format_func=month_label, to_url=lambda m: m.strftime("%Y-%m"), container=st.sidebar,
                     help=f"The last month of the reporting period: the {length} months to it, compared with the "
                          f"{length} months before. Only months whose whole period is loaded are offered.")
    return Selection(code, names[code], forces.get(code) or "", Period(end, length), months)


def period_ends(months: Sequence[date], length: int) -> list[date]:
    """The months a period of ``length`` may end in, latest first: those with all ``length`` months loaded (a
    first month as a 12-month period would show one month as a year). The latest month alone when too few are."""
    whole = [m for m in months if add_months(m, -(length - 1)) >= months[0]]
    return list(reversed(whole)) or [months[-1]]


def parse_month_or_none(text: str | None) -> date | None:
    """A month from text, or None when it isn't one."""
    if not text:
        return None
    try:
        return parse_month(text)
    except ValueError:
        return None
