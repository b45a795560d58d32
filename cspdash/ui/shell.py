"""The app shell: first-run demo build, sidebar selection, navigation, freshness banner."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import streamlit as st

from cspdash.config import PROJECT_ROOT
from cspdash.ui import auth, blocks, db, filters

PAGES_DIR = PROJECT_ROOT / "pages"
#: the browser-tab icon, shipped so the page fetches nothing from the internet
ICON = str(Path(__file__).with_name("assets") / "icon.png")

#: (file, title, icon, section); a page is listed when its file exists
PAGES: list[tuple[str, str, str, str]] = [
    ("overview.py", "Overview", ":material/dashboard:", "For the committee"),
    ("trends.py", "Crime trends", ":material/show_chart:", "For the committee"),
    ("hotspots.py", "Hot spots", ":material/map:", "For the committee"),
    ("compare.py", "How do we compare?", ":material/compare_arrows:", "For the committee"),
    ("priorities.py", "Action plan", ":material/checklist:", "For the committee"),
    ("partners.py", "Partners", ":material/groups:", "For the committee"),
    ("meeting.py", "Prepare for a meeting", ":material/event_note:", "For the committee"),
    ("data.py", "Data", ":material/database:", "For analysts"),
]


def _leave_legacy_pages_mode() -> None:
    """Streamlit runs a folder named pages/ in its legacy mode until st.navigation first runs in the process.

    A deep link opened first after the server starts would then run a page without this shell; switching the
    flag off as soon as cspdash's UI is imported makes the next rerun go through dashboard.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


_leave_legacy_pages_mode()


def ensure_shell_ran() -> None:
    """Rerun through dashboard.py when a page was started without the shell (see _leave_legacy_pages_mode)."""
    if "selection" not in st.session_state:
        st.rerun()


def ensure_store() -> None:
    """Build the store from the embedded demo data on the first start, with progress."""
    if db.store().exists():
        return
    from cspdash.demo import build_demo

    with st.status("First start: building the data store from the embedded Gwent demo data…", expanded=True) as box:
        bar = st.progress(0.0)

        def progress(done: int, total: int, message: str) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=message)

        try:
            reports = build_demo(db.store(), progress=progress)
        except Exception as exc:  # shown plainly; the store is unchanged by a failed build
            box.update(label="The demo store could not be built", state="error")
            st.error(blocks.literal(exc))
            st.stop()
        rows = sum(r.rows_loaded for r in reports)
        box.update(label=f"Demo store built: {len(reports)} files, {rows:,} rows", state="complete", expanded=False)


def sidebar() -> filters.Selection | None:
    """Render the shared sidebar (sign-in state first) and remember the selection for the pages."""
    if not auth.sidebar_account():
        st.session_state["selection"] = None
        return None
    if not db.store().exists():
        if auth.current_user().how == "anonymous":  # a visitor who has not signed in starts no build
            st.info("The data store has not been built yet. Sign in to build it from the embedded demo data.")
            st.session_state["selection"] = None
            return None
        ensure_store()
    selection = filters.sidebar_selection()
    st.session_state["selection"] = selection
    return selection


def selection() -> filters.Selection:
    """The sidebar's selection for this run (stops the page with a message when there is no data)."""
    ensure_shell_ran()
    chosen = st.session_state.get("selection")
    if chosen is None:
        st.info("No partnership areas are loaded yet. Load geography and police.uk data on the Data page.")
        st.stop()
    return chosen  # type: ignore[no-any-return]


def navigation():  # type: ignore[no-untyped-def]
    """st.navigation over the page files that exist, grouped by audience.

    The first page is the default, served at the app's root. Streamlit serves a default page only there, so the
    first page is also registered, hidden, under its own name: /overview opens the overview too.
    """
    sections: dict[str, list[st.Page]] = {}
    for index, (file, title, icon, section) in enumerate(PAGES):
        path = PAGES_DIR / file
        if Path(path).exists():
            name = file.removesuffix(".py")
            pages = sections.setdefault(section, [])
            if index == 0:
                pages.append(st.Page(str(path), title=title, icon=icon, default=True, url_path=f"{name}-home"))
                pages.append(st.Page(str(path), title=title, icon=icon, url_path=name, visibility="hidden"))
            else:
                pages.append(st.Page(str(path), title=title, icon=icon, url_path=name))
    return _PlainErrors(st.navigation(auth.gate_navigation(sections)))


class _PlainErrors:
    """Runs a page; an unexpected error shows a plain message (details go to the server log, not the user)."""

    def __init__(self, page: Any):
        self.page = page

    def run(self) -> None:
        """Run the page, catching ordinary exceptions (st.stop/st.rerun are not Exceptions and pass through)."""
        try:
            self.page.run()
        except Exception:
            if os.environ.get("CSPDASH_TEST"):
                raise  # tests see the real exception (AppTest's at.exception)
            logging.getLogger("cspdash.ui").exception("page %s failed", getattr(self.page, "title", "?"))
            st.error("Sorry — this page could not be shown. The problem has been logged for the administrator; "
                     "try another period or partnership, or reload the page. The data is unchanged.",
                     icon=":material/error:")


def page_header(title: str, question: str) -> filters.Selection:
    """Page title, the question it answers, the selection, and any link notes."""
    chosen = selection()
    st.title(title)
    st.caption(f"{question} · **{blocks.literal(chosen.partnership_name)}** · {chosen.period.label}")
    filters.show_url_notes()
    return chosen
