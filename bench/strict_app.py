"""The strict floor of this stack: a title and one `go.Figure` line chart; no sidebar, no pandas, no data store.

What any Streamlit + plotly page must pay before its first chart is drawn. `bare_app.py` (sidebar select box,
pandas and `plotly.express`) is kept as the older, more lenient reference.

    streamlit run bench/strict_app.py
"""

import plotly.graph_objects as go
import streamlit as st

#: 36 months of made-up counts, written out so that nothing but plotly builds the chart
MONTHS = [f"{2022 + (6 + i) // 12}-{(6 + i) % 12 + 1:02d}-01" for i in range(36)]
COUNTS = [1500 + (i * 37) % 200 - 100 for i in range(36)]

st.title("Strict floor")
figure = go.Figure(go.Scatter(x=MONTHS, y=COUNTS, mode="lines", name="crimes"))
figure.update_layout(title="All recorded crime in Newport, by month")
st.plotly_chart(figure)
