"""Serve cspdash with sign-in that survives a reload: ``streamlit run serve.py`` (same options as dashboard.py).

An st.App running dashboard.py plus the two routes of cspdash/ui/sessions.py that set and clear the signed
HttpOnly session cookie for local accounts.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from cspdash.ui import sessions

os.environ[sessions.ROUTES_ENV] = "1"
sessions.secret()  # make the key file now, not during someone's sign-in
app = st.App(str(Path(__file__).with_name("dashboard.py")), routes=sessions.routes(),
             middleware=sessions.security_middleware())
