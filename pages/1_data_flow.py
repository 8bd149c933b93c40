"""View 1, Data flow: one step of the recurrence with every tensor, its shape and its numbers."""

import pandas as pd
import streamlit as st

import ui
from rnn_core import analysis
from ui.export import weights_npz
from ui.frame import md_escape
from ui.torch_code import torch_code
from viz import dataflow

cfg = ui.frame("data_flow")
st.title(ui.t("df.title"))
labels = dict(row_label=ui.t("fig.row"), col_label=ui.t("fig.col"), value_label=ui.t("fig.value"))
st.markdown(ui.t("df.intro"))
run = ui.run_or_stop(cfg)
T, K, L = run.T, 2 if cfg.bidirectional else 1, cfg.num_layers


@st.fragment
def step_views() -> None:
    """Everything that depends on the step, layer and direction: changing them reruns only
    this, not the sidebar and the parameter table."""
    # -- which step, layer and direction ----------------------------------------------------------
    cols = st.columns([3, 1, 1] if (L > 1 or K > 1) else [1])
    with cols[0]:
        step = ui.page_slider("step", ui.t("df.step", T=T), 1, T, 1, help=ui.t("df.step_help"))
    layer, direction = ui.layer_direction(cfg, cols[1:] if len(cols) == 3 else None)
    i = step - 1  # arrays are indexed from 0; the articles count steps from 1
    lr = run.layers[layer][direction]
    sfx = f"_l{layer}{'_reverse' if direction else ''}"
    W_ih, W_hh = run.params["weight_ih" + sfx], run.params["weight_hh" + sfx]
    label = run.step_labels[i] if run.step_labels else None
    prev = ui.t("df.h_next") if direction else "h_{t-1}"
    if label:
        st.caption(ui.t("df.step_label", t=step, label=md_escape(label)))

    # -- the two products -------------------------------------------------------------------------
    st.subheader(ui.t("df.products"))
    left, right = st.columns(2)
    with left:
        st.plotly_chart(dataflow.dataflow_figure(
            [("W_ih", W_ih), ("x_t", lr.x[i, 0]), ("W_ih x_t", lr.ih[i, 0])],
            operators=["·", "="], title=ui.t("df.input_term"),
            reduced_note=ui.t("fig.reduced"), **labels), key="df_input")
    with right:
        st.plotly_chart(dataflow.dataflow_figure(
            [("W_hh", W_hh), (prev, lr.h_prev[i, 0]), (f"W_hh {prev}", lr.hh[i, 0])],
            operators=["·", "="], title=ui.t("df.recurrent_term"),
            reduced_note=ui.t("fig.reduced"), **labels), key="df_recurrent")
    ui.caption(ui.t("df.products_caption"))

    # -- the sum and the nonlinearity -------------------------------------------------------------
    st.subheader(ui.t("df.sum"))
    f = cfg.nonlinearity
    st.plotly_chart(dataflow.dataflow_figure(
        [("W_ih x_t", lr.ih[i, 0]), (f"W_hh {prev}", lr.hh[i, 0]), ("b_ih", lr.b_ih),
         ("b_hh", lr.b_hh), ("a_t", lr.pre[i, 0]), ("h_t", lr.h[i, 0])],
        operators=["+", "+", "+", "=", f"{f} →"], title=ui.t("df.sum_title", f=f),
        reduced_note=ui.t("fig.reduced"), **labels), key="df_sum")
    ui.caption(ui.t("df.sum_caption", f=f))

    # -- the output layer -------------------------------------------------------------------------
    st.subheader(ui.t("df.output"))
    top = run.output[i, 0]  # the top layer's state(s) at step t, both directions
    st.plotly_chart(dataflow.dataflow_figure(
        [("W_ho", run.head["weight"]), ("h_t" if K == 1 else "[h_t; g_t]", top),
         ("b_ho", run.head["bias"]), ("o_t", run.logits[i, 0]),
         ("softmax(o_t)", run.probs[i, 0], dataflow.PROBABILITY)],
        operators=["·", "+", "=", "softmax →"], title=ui.t("df.output_title"),
        reduced_note=ui.t("fig.reduced"), prob_label=ui.t("fig.probability"), **labels),
        key="df_output")
    ui.caption(ui.t("df.output_caption") if L == 1 else ui.t("df.output_caption_top"))

    # -- the numbers plugged in -------------------------------------------------------------------
    st.subheader(ui.t("df.plugged"))
    finite = run.nonfinite_step is None or i < run.nonfinite_step  # the sums need finite terms
    c1, c2 = st.columns(2)
    with c1:
        j = ui.page_number("unit", ui.t("df.unit", H=cfg.hidden_size - 1), 0,
                           cfg.hidden_size - 1, 0)
        if not finite:
            st.warning(ui.t("df.overflowed", t=step))
        else:
            bd = analysis.unit_breakdown(W_ih, W_hh, run.params.get("bias_ih" + sfx),
                                         run.params.get("bias_hh" + sfx), lr.x[i, 0],
                                         lr.h_prev[i, 0], j, f, top=3)
            st.code(analysis.format_breakdown(bd, digits=4), language=None, wrap_lines=True)
            st.dataframe(pd.DataFrame(
                [(ui.t("df.input_contrib"), f"W_ih[{j},{n}] · x_t[{n}]", v)
                 for n, v in bd.top_input]
                + [(ui.t("df.recurrent_contrib"), f"W_hh[{j},{n}] · {prev}[{n}]", v)
                   for n, v in bd.top_recurrent],
                columns=[ui.t("df.col_term"), ui.t("df.col_product"), ui.t("df.col_value")]),
                hide_index=True, width="stretch")
    with c2:
        m = ui.page_number("m", ui.t("df.output_unit", O=cfg.output_size - 1), 0,
                           cfg.output_size - 1, 0)
        if finite:
            ob = analysis.output_breakdown(run.head["weight"], run.head["bias"], top, m, top=3)
            st.code(analysis.format_breakdown(ob, digits=4), language=None, wrap_lines=True)
            st.dataframe(pd.DataFrame(
                [(f"W_ho[{m},{n}] · h_t[{n}]", v) for n, v in ob.top],
                columns=[ui.t("df.col_product"), ui.t("df.col_value")]),
                hide_index=True, width="stretch")
    ui.caption(ui.t("df.plugged_caption"))
    ui.finish(cfg)  # the URL and the sidebar's link follow the step and unit


step_views()

# -- parameters and the PyTorch equivalent ----------------------------------------------------
st.subheader(ui.t("df.params"))
shapes = {name: value.shape for name, value in run.params.items()}
shapes.update({"head.weight": run.head["weight"].shape, "head.bias": run.head["bias"].shape})
rows = analysis.parameter_table(shapes)
table = pd.DataFrame([(n, str(list(s)), c) for n, s, c in rows],
                     columns=[ui.t("df.col_name"), ui.t("df.col_shape"), ui.t("df.col_count")])
c1, c2 = st.columns([2, 3])
with c1:
    st.dataframe(table, hide_index=True, width="stretch")
    st.metric(ui.t("df.total"), f"{sum(c for _, _, c in rows):,}")
    st.download_button(ui.t("df.download"), lambda: weights_npz(run),  # built on click
                       file_name="rnn_weights.npz", mime="application/octet-stream",
                       help=ui.t("df.download_help"))
with c2:
    st.code(torch_code(cfg, run.T, run.D), language="python")
    ui.caption(ui.t("df.torch_caption"))
ui.finish(cfg, share=False)  # the fragment drew the link
