"""cspdash entry point: navigation, shared sidebar, first-run demo build."""

from __future__ import annotations

import streamlit as st

from cspdash.ui import shell

st.set_page_config(page_title="cspdash — community safety", page_icon=shell.ICON, layout="wide")
selection = shell.sidebar()  # sign-in first: the first-run demo build starts only for a signed-in user
pages = shell.navigation()
pages.run()
