"""Data: what is loaded, how complete it is, and loading more."""

import streamlit as st

from cspdash.metrics import loads
from cspdash.ui import blocks, db, loading, shell

shell.ensure_shell_ran()
st.title("Data")
st.caption("What the dashboard knows, how complete it is, and where to load more. For analysts.")

summary = db.query(loads.completeness_summary)
if summary.startswith("Every month"):
    st.success(summary, icon=":material/check_circle:")
else:
    st.warning(summary, icon=":material/warning:")
blocks.table(db.query(loads.completeness_table), "completeness by month",
             caption="Street records per force and month. Status: ok; low = under half the force's median month; "
                     "missing = nothing published.")

st.subheader("Load log")
blocks.table(db.query(loads.load_log), "load log", caption="Every load: file, checksum, rows read, loaded, rejected.")
st.subheader("Rejected rows")
blocks.table(db.query(loads.rejected_rows), "rejected rows",
             caption="Rows that could not be loaded, with the file, line, column, value and what was expected.")

st.subheader("Geography and population")
st.info(db.query(loads.geography_summary), icon=":material/public:")
st.caption(loads.BTP_NOTE)
blocks.table(db.query(loads.police_forces), "police forces",
             caption="A police.uk file's force name (its \"Falls within\" column) must be one of these 43 "
                     "territorial forces (or British Transport Police); any other name is refused.")

st.subheader("Load new data")
loading.upload_box()
st.caption("Templates for the action plan and partner figures: see data/templates in the project.")
