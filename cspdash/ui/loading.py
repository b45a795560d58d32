"""The upload box: runs the same loaders as the CLI, with progress and a plain report."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from cspdash.ingest.load import load_paths
from cspdash.ingest.replacement import ConfirmationNeeded
from cspdash.ingest.report import LoadError
from cspdash.store.versions import StoreError
from cspdash.ui import auth, blocks, db

ACCEPTED = ["csv", "zip", "xlsx", "geojson", "json"]
#: session key: (file names, what they would replace) while a replacement waits for its confirmation
PENDING_KEY = "upload_pending_replacement"


def upload_box() -> None:
    """Analysts upload police.uk files/zips, geography, the action-plan workbook or indicators."""
    user = auth.current_user()
    if not user.can("analyst"):
        st.info(f"Loading data needs the analyst role; you are {blocks.literal(user.name)} ({user.role}).")
        return
    files = st.file_uploader(
        "Load files: police.uk street/outcomes/stop-and-search CSVs or the police.uk zip, geography lookups, "
        "boundary GeoJSON, the action-plan workbook (.xlsx) or partner indicators (CSV)",
        type=ACCEPTED, accept_multiple_files=True, key="upload_files",
    )
    shrink_ok = st.checkbox("Replace months even if they shrink", key="upload_replace_shrink",
                            help="A police.uk file with no data rows, or with far fewer rows than the month already "
                                 "loaded (less than half), is refused unless this is ticked: a truncated download "
                                 "would otherwise empty a month.")
    if not files:
        st.session_state.pop(PENDING_KEY, None)
        return
    names = tuple(f.name for f in files)
    load_clicked = st.button("Load these files", type="primary", icon=":material/upload:")
    replace = False
    pending = st.session_state.get(PENDING_KEY)
    if pending and pending[0] == names and not load_clicked:
        notice = st.empty()  # taken away once "Replace them" is clicked: the load's own report follows
        with notice.container():
            st.warning("**Nothing has been loaded yet.** These files would replace records already held:\n\n"
                       + "\n".join(f"- {blocks.literal(line)}" for line in pending[1])
                       + "\n\nReplace them only if the file is meant to be the complete list.",
                       icon=":material/warning:")
            cols = st.columns([1, 1, 3])
            replace = cols[0].button("Replace them", type="primary", key="upload_replace",
                                     icon=":material/swap_horiz:")
            cancel = cols[1].button("Cancel", key="upload_cancel")
        if cancel:
            st.session_state.pop(PENDING_KEY, None)
            st.info("Cancelled: the store is unchanged.")
            return
        if replace:
            notice.empty()
    if not (load_clicked or replace):
        return
    # the confirmation stays pending until this load has ended: a second click on "Replace them" while the first is
    # handled stops this run (Streamlit reruns on a click; the load's store write is discarded whole) and must find
    # the confirmation again, or the rerun loads nothing and says nothing (an analyst's walk, Dec 2026)
    with tempfile.TemporaryDirectory(prefix="cspdash-upload-") as tmp:
        paths = []
        for uploaded in files:
            target = Path(tmp) / Path(uploaded.name).name
            target.write_bytes(uploaded.getvalue())
            paths.append(target)
        with st.status(f"Loading {len(paths)} file(s)…", expanded=True) as box:
            bar = st.progress(0.0)

            def progress(done: int, total: int, message: str) -> None:
                bar.progress(min(done / max(total, 1), 1.0), text=message)

            try:
                reports = load_paths(db.store(), paths, user=user.name, progress=progress,
                                     replace=replace or shrink_ok)
                st.session_state.pop(PENDING_KEY, None)
            except ConfirmationNeeded as exc:
                st.session_state[PENDING_KEY] = (names, [r.message() for r in exc.replacements])
                box.update(label="Nothing was loaded: please confirm first", state="error")
                st.rerun()
            except LoadError as exc:
                st.session_state.pop(PENDING_KEY, None)
                box.update(label="Nothing was loaded: the file needs fixing", state="error")
                for problem in exc.problems[:50]:
                    st.markdown(f"- {blocks.literal(problem.message())}")
                st.caption("The store is unchanged.")
                return
            except StoreError as exc:
                st.session_state.pop(PENDING_KEY, None)
                box.update(label="Nothing was loaded", state="error")
                st.error(str(exc))
                return
            box.update(label="Loaded", state="complete")
            for report in reports:
                st.markdown(f"- {blocks.literal(report.summary())}")
                for problem in report.problems[:5]:
                    st.caption(f"rejected: {blocks.literal(problem.message())}")
    st.success("The dashboard now shows the new data.")
