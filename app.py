"""RNN Explorer: landing page (placeholder until the shared frame lands)."""

import streamlit as st

st.set_page_config(page_title="RNN Explorer", layout="wide")
st.title("RNN Explorer")
st.latex(r"h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})")
st.latex(r"o_t = W_{ho} h_t + b_{ho}")
