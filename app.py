"""RNN Explorer: the landing page. What the app is, the two equations, and the views."""

import streamlit as st

import ui

cfg = ui.frame("")
st.title(ui.t("app.title"))
st.markdown(ui.t("app.tagline"))
st.subheader(ui.t("app.equations"))
st.latex(r"h_t = \tanh\left(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}\right)")
st.latex(r"o_t = W_{ho}\, h_t + b_{ho}")
st.markdown(ui.t("app.equations_note"))
st.subheader(ui.t("app.views"))
for page, nav, view in ui.VIEWS:
    if page:
        st.page_link(page, label=ui.t(nav), icon=":material/arrow_forward:")
        st.caption(ui.t(view))  # a label would cut the line short
    else:
        st.markdown(f"**{ui.t(nav)}** ({ui.t('app.coming')}): {ui.t(view)}")
st.info(ui.t("app.start"))
ui.finish(cfg)
