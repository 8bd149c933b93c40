"""View 5, Encoder-decoder: the context vector c between encoder and decoder, every way of
making it and of feeding it, attention weights, and the bottleneck measured."""

import pandas as pd
import streamlit as st

import ui
from ui.compute_arch import CONTEXT_MODES, FEEDS, MAX_M, ArchSettings, arch_run, bottleneck
from viz import architectures as av
from viz import recurrence as rv

ARCH = "n_to_m"  # the encoder-decoder, as ui.compute_arch names it
CONTEXTS = tuple(CONTEXT_MODES)
FORMULAS = {  # the context, as seed article 001 writes it
    "last": r"c = h_N",
    "transform": r"c = g(h_N) = \tanh\left(W_c\, h_N + b_c\right)",
    "mean": r"c = g(h_1, \dots, h_N) = \frac{1}{N} \sum_{i=1}^{N} h_i",
    "max": r"c = g(h_1, \dots, h_N) = \max_{i} h_i",
    "dot": r"c_j = \sum_{i=1}^{N} \alpha_{ji}\, h_i, \quad "
           r"\alpha_{ji} = \mathrm{softmax}_i\left(s_{j-1}^{\top} h_i\right)",
    "additive": r"c_j = \sum_{i=1}^{N} \alpha_{ji}\, h_i, \quad \alpha_{ji} = "
                r"\mathrm{softmax}_i\left(v^{\top} \tanh(W_q\, s_{j-1} + W_k\, h_i)\right)",
}
NOTES = {"last": "h_N", "transform": "tanh(W h_N + b)", "mean": "mean", "max": "max",
         "dot": "Σ α h", "additive": "Σ α h"}

cfg = ui.frame("encoder_decoder")
st.title(ui.t("ed.title"))
st.markdown(ui.math_md(ui.t("ed.intro")))
if cfg.source == "csv" and ui.upload_data() is None:
    ui.run_or_stop(cfg)  # says what is missing and stops
K, H = 2 if cfg.bidirectional else 1, cfg.hidden_size
C = K * H

# -- the context and how the decoder takes it ----------------------------------------------------
c1, c2, c3 = st.columns([1.3, 1.3, 1])
with c1:
    context = CONTEXTS[ui.page_select("context", ui.t("ed.context"),
                                      [ui.t("ed.ctx_" + k) for k in CONTEXTS])]
with c2:
    feed = FEEDS[ui.page_select("feed", ui.t("ed.feed"), [ui.t("ed.feed_" + f) for f in FEEDS])]
with c3:
    M = ui.page_number("M", ui.t("ed.m_steps", n=MAX_M), 1, MAX_M, 6, help=ui.t("ed.m_help"))
attend = context in ("dot", "additive")
if attend and feed == "init":
    st.warning(ui.math_md(ui.t("ed.attention_init")))
    feed = "both"
st.latex(FORMULAS[context])
ui.caption(ui.t("ed.ctx_caption_" + context) + " " + ui.t("ed.feed_caption_" + feed))
run = arch_run(cfg, ArchSettings(arch=ARCH, M=M, context=context, feed=feed),
               ui.upload_data())
if run.error:
    st.warning(ui.t("ar.overflow", radius=cfg.radius))
    st.stop()
s = run.s2s
N = s.enc_output.shape[0]
enc_labels = list(run.labels) if run.labels else None
tokens = [f"{j + 1} → {tok}" for j, tok in enumerate(s.tokens)]  # step → output class

st.plotly_chart(av.architecture_diagram(
    ARCH, N, M, context=context, feed=feed, num_layers=cfg.num_layers,
    bidirectional=cfg.bidirectional, in_labels=enc_labels, context_note=NOTES[context]),
    key="ed_diagram")
ui.caption(ui.t("ed.diagram_caption"))

# -- encoder | c | decoder ----------------------------------------------------------------------
st.subheader(ui.t("ed.states"))
step = 1
if attend:
    step = ui.page_slider("step", ui.t("ed.step", n=M), 1, M, 1, help=ui.t("ed.step_help"))
c_shown = s.context[step - 1]
m1, m2, m3 = st.columns(3)
m1.metric(ui.t("ed.metric_n"), N)
m2.metric(ui.t("ed.metric_c"), C)
m3.metric(ui.t("ed.metric_m"), M)
st.plotly_chart(av.encoder_decoder_figure(
    s.enc_output, c_shown, s.dec_states, enc_labels=enc_labels,
    dec_labels=[f"{j + 1}" for j in range(M)],
    title=ui.t("ed.states_title", value=C),
    enc_title=ui.t("ed.enc_axis", T=N), c_title=(f"c_{step}" if attend else "c") + f" [{C}]",
    dec_title=ui.t("ed.dec_axis", n=M), unit_title=ui.t("fig.unit"),
    reduced_note=ui.t("fig.reduced")), key="ed_states")
ui.caption(ui.t("ed.states_caption", T=N, value=C) + " " + ui.t(
    "ed.s0_" + ("attention" if attend else "static") + "_" + feed))

# -- attention weights ----------------------------------------------------------------------------
st.subheader(ui.t("ed.attention"))
if s.alpha is not None:
    st.plotly_chart(av.attention_heatmap(
        s.alpha, enc_labels=enc_labels, dec_labels=tokens, step=step,
        title=ui.t("ed.attention_title", n=M, T=N), x_title=ui.t("ed.enc_axis", T=N),
        y_title=ui.t("ed.dec_tokens"), value_label="α"), key="ed_attention")
    ui.caption(ui.t("ed.attention_caption"))
else:
    st.info(ui.math_md(ui.t("ed.no_attention_" + context, T=N)))

# -- what the decoder writes ----------------------------------------------------------------------
st.subheader(ui.t("ed.outputs"))
st.plotly_chart(rv.probs_heatmap(s.probs, title=ui.t("ed.outputs_title", n=M),
                                 x_title=ui.t("ed.dec_step"), y_title=ui.t("fig.class"),
                                 value_label="softmax(y_j)", t_name="j"), key="ed_probs")
ui.caption(ui.t("ed.outputs_caption"))
with st.expander(ui.t("ed.shapes")):
    st.dataframe(pd.DataFrame(
        [(n, str(tuple(sh)), ui.t(note)) for n, sh, note in run.shapes],
        columns=[ui.t("df.col_name"), ui.t("df.col_shape"), ui.t("ar.col_what")]),
        hide_index=True, width="stretch")
    st.dataframe(pd.DataFrame([(n, str(list(sh))) for n, sh in s.params],
                              columns=[ui.t("df.col_name"), ui.t("df.col_shape")]),
                 hide_index=True, width="stretch")
    st.metric(ui.t("df.total"), f"{s.num_params:,}")

# -- the bottleneck, measured ---------------------------------------------------------------------
st.subheader(ui.t("ed.bottleneck"))
st.markdown(ui.math_md(ui.t("ed.bottleneck_intro")))
bn = bottleneck()
if bn is None:
    st.info(ui.t("ed.bn_missing"))
else:
    tasks = list(bn.accuracy)
    task = tasks[ui.page_select("task", ui.t("ed.bn_task"), [ui.t("ed.task_" + k) for k in tasks])]
    c1, c2 = st.columns(2)
    with c1:
        acc = bn.accuracy[task]
        st.plotly_chart(av.accuracy_lines(
            bn.lengths, {ui.t("ed.bn_last"): acc["last"], ui.t("ed.bn_attention"):
                         acc["attention"]},
            title=ui.t("ed.bn_title", name=ui.t("ed.task_" + task)),
            x_title=ui.t("ed.bn_x"), y_title=ui.t("ed.bn_y"),
            chance=1.0 / bn.settings.get("vocab", 8), chance_name=ui.t("ed.bn_chance")),
            key="ed_bottleneck")
        ui.caption(ui.t("ed.bn_caption", H=bn.settings.get("hidden", 0),
                        value=bn.settings.get("vocab", 0), step=bn.settings.get("steps", 0),
                        cell=bn.settings.get("cell", "").upper()))
    with c2:
        ex = bn.example
        if ex is not None:
            st.plotly_chart(av.attention_heatmap(
                ex["alpha"], enc_labels=[str(v) for v in ex["input"]],
                dec_labels=[str(v) for v in ex["output"]],
                title=ui.t("ed.bn_example", name=ui.t("ed.task_" + ex["task"]), T=ex["N"]),
                x_title=ui.t("ed.bn_example_x"), y_title=ui.t("ed.bn_example_y"),
                value_label="α"), key="ed_trained_attention")
            ui.caption(ui.t("ed.bn_example_caption"))
    st.code(bn.command, language="bash")
ui.finish(cfg)
