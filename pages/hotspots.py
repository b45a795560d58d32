"""Hot spots: where crime concentrates, how persistent it is, and how harmful."""

import streamlit as st

from cspdash.ui import hotspot_blocks as hb
from cspdash.ui import shell

selection = shell.page_header(
    "Hot spots", "Which neighbourhoods carry a lasting, statistically real concentration of crime and harm?"
)
choice = hb.choose()
weights = hb.harm_weights()
view = hb.load(selection, choice, weights)

hb.map_block(view)

st.subheader("Top hot spots")
top = hb.top_table_block(view)

st.subheader("Is it lasting? Hot spot persistence")
hb.persistence_block(view)

st.subheader("Look into one area")
hb.drilldown_block(view, top)
