"""Prepare for a meeting: what changed, questions to ask, recommendations, cases, partnership health, exports."""

import streamlit as st

from cspdash.ui import meeting_blocks as blocks
from cspdash.ui import shell

selection = shell.page_header("Prepare for a meeting",
                              "What changed since the last meeting, and what should the committee ask?")
briefing = blocks.pick_meeting(selection.partnership_code)
if briefing is None:
    st.stop()
blocks.freshness(briefing)

st.header("What changed since the previous meeting")
blocks.what_changed(briefing)

st.header("Questions to ask")
blocks.questions(briefing)

st.header("Action plan on the meeting date")
blocks.priorities(briefing)

st.header("Recommendations tracker")
blocks.recommendations(briefing)

st.header("Community Trigger and Councillor Call for Action")
blocks.triggers(briefing)

st.header("Partnership health")
blocks.health(briefing)

st.header("Take it with you")
st.caption("The briefing pack (A4 PDF) and the slides are made here, offline, from the same figures as this page.")
blocks.exports(briefing)
