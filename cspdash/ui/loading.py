"""The upload box: runs the same loaders as the CLI, with progress and a plain report."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from cspdash.ingest.load import load_paths
from cspdash.ingest.report import LoadError
from cspdash.store.versions import StoreError
from cspdash.ui import auth, blocks, db

ACCEPTED = ["csv", "zip", "xlsx", "geojson", "json"]


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
    replace = st.checkbox("Replace months even if they shrink", key="upload_replace",
                          help="A police.uk file with no data rows, or with far fewer rows than the month already "
                               "loaded (less than half), is refused unless this is ticked: a truncated download "
                               "would otherwise empty a month.")
    if not files or not st.button("Load these files", type="primary", icon=":material/upload:"):
        return
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
                reports = load_paths(db.store(), paths, user=user.name, progress=progress, replace=replace)
            except LoadError as exc:
                box.update(label="Nothing was loaded: the file needs fixing", state="error")
                for problem in exc.problems[:50]:
                    st.markdown(f"- {blocks.literal(problem.message())}")
                st.caption("The store is unchanged.")
                return
            except StoreError as exc:
                box.update(label="Nothing was loaded", state="error")
                st.error(str(exc))
                return
            box.update(label="Loaded", state="complete")
            for report in reports:
                st.markdown(f"- {blocks.literal(report.summary())}")
                for problem in report.problems[:5]:
                    st.caption(f"rejected: {blocks.literal(problem.message())}")
    st.success("The dashboard now shows the new data.")
