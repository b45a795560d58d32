"""The floor of this stack: a bare Streamlit page with one plotly chart and one sidebar filter (no data store).

    streamlit run bench/bare_app.py
"""

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

AREAS = ["Newport", "Caerphilly", "Torfaen", "Blaenau Gwent", "Monmouthshire"]

st.set_page_config(page_title="bare", layout="wide")
area = st.sidebar.selectbox("Partnership", AREAS)
rng = np.random.default_rng(AREAS.index(area))
months = pd.date_range("2022-07-01", periods=36, freq="MS")
frame = pd.DataFrame({"month": months, "crimes": rng.poisson(1500, len(months))})
st.title("Bare page")
st.plotly_chart(px.line(frame, x="month", y="crimes", title=f"All recorded crime in {area}, by month"))
