"""View 4, Architectures: N-to-N, N-to-1, 1-to-N and N-to-M unrolled; bidirectional and
stacked networks with a heatmap per layer and direction."""

import pandas as pd
import streamlit as st

import ui
from ui.compute_arch import ARCHS, MAX_M, ONE_FEEDS, READOUTS, ArchSettings, arch_run
from viz import architectures as av
from viz import gradients as gv
from viz import recurrence as rv

ENCODER_DECODER_PAGE = "pages/5_encoder_decoder.py"

cfg = ui.frame("architectures")
st.title(ui.t("ar.title"))
st.markdown(ui.t("ar.intro"))
if cfg.source == "csv" and ui.upload_data() is None:
    ui.run_or_stop(cfg)  # says what is missing and stops
K, L, H = 2 if cfg.bidirectional else 1, cfg.num_layers, cfg.hidden_size

# -- which architecture ------------------------------------------------------------------------
c1, c2 = st.columns(2)
with c1:
    arch = ARCHS[ui.page_select("arch", ui.t("ar.arch"), [ui.t("ar.arch_" + a) for a in ARCHS])]
readout, one_feed, M = "last", "first", 6
with c2:
    if arch == "n_to_1":
        readout = READOUTS[ui.page_select("readout", ui.t("ar.readout"),
                                          [ui.t("ar.readout_" + r) for r in READOUTS])]
    elif arch == "one_to_n":
        one_feed = ONE_FEEDS[ui.page_select("feed", ui.t("ar.one_feed"),
                                            [ui.t("ar.one_feed_" + f) for f in ONE_FEEDS])]
    elif arch == "n_to_m":
        M = ui.page_number("M", ui.t("ar.m_steps", n=MAX_M), 1, MAX_M, 6)
st.info(ui.math_md(ui.t("ar.use_" + arch)))
run = arch_run(cfg, ArchSettings(arch=arch, readout=readout, one_feed=one_feed, M=M),
               ui.upload_data())
if run.error:
    st.warning(ui.t("ar.overflow", radius=cfg.radius))
    st.stop()
T = run.x.shape[0]
labels = list(run.labels) if run.labels and arch != "one_to_n" else None

# -- the unrolled structure ----------------------------------------------------------------------
st.subheader(ui.t("ar.diagram"))
st.plotly_chart(av.architecture_diagram(
    arch, T, M, one_feed=one_feed, readout=readout, num_layers=L,
    bidirectional=cfg.bidirectional, in_labels=labels, context_note="h_N" if K == 1 else
    "[h_N; g_1]"), key="ar_diagram")
variant = {"n_to_1": "_" + readout, "one_to_n": "_" + one_feed}.get(arch, "")
ui.caption(ui.t("ar.diagram_" + arch + variant, T=T, n=M))
if K > 1 or L > 1:
    ui.caption(ui.t("ar.diagram_rows"))

# -- what goes in and what comes out -------------------------------------------------------------
st.subheader(ui.t("ar.io"))
c1, c2 = st.columns(2)
with c1:
    st.plotly_chart(rv.hidden_heatmap(
        run.x, x_labels=labels, title=ui.t("ar.input_title", T=T, value=run.x.shape[1]),
        x_title=ui.t("fig.time"), y_title=ui.t("ar.feature"), value_label="x_t",
        unit_name=ui.t("ar.feature"), reduced_note=ui.t("fig.reduced")), key="ar_input")
    if arch == "one_to_n":
        ui.caption(ui.t("ar.input_one_" + one_feed))
with c2:
    if arch == "n_to_1":
        st.plotly_chart(gv.bars(run.y, labels=[str(i) for i in range(len(run.y))],
                                title=ui.t("ar.output_one", O=len(run.y)),
                                x_title=ui.t("fig.class"), y_title="y", name="y"),
                        key="ar_output")
    else:
        st.plotly_chart(rv.hidden_heatmap(
            run.y, title=ui.t("ar.output_title", T=run.y.shape[0], O=run.y.shape[1]),
            x_title=ui.t("fig.time"), y_title=ui.t("fig.class"), value_label="y_t",
            unit_name=ui.t("fig.class"), reduced_note=ui.t("fig.reduced")), key="ar_output")
ui.caption(ui.t("ar.io_caption_" + arch))

# -- the hidden states, a heatmap per layer and direction ----------------------------------------
st.subheader(ui.t("ar.hidden"))
if arch == "n_to_m":
    ui.caption(ui.t("ar.hidden_encoder"))
for layer in range(L - 1, -1, -1):  # the top layer first: it reads the one drawn below it
    cols = st.columns(K)
    for k, col in enumerate(cols):
        name = "g_t" if k == 1 else "h_t"
        title = (ui.t("ar.layer_title", l=layer + 1, name=name) if L > 1
                 else ui.t("ar.dir_title", name=name))
        with col:
            st.plotly_chart(rv.hidden_heatmap(
                run.layers[layer][k], x_labels=labels, title=title, x_title=ui.t("fig.time"),
                y_title=ui.t("fig.unit"), value_label=name, zmax=1.0 if cfg.nonlinearity ==
                "tanh" else None, reduced_note=ui.t("fig.reduced")),
                key=f"ar_hidden_{layer}_{k}")
    if layer > 0:
        ui.caption(ui.t("ar.stacked_caption", l=layer + 1, label=layer, H=H, value=K * H))
if K > 1:
    st.plotly_chart(rv.hidden_heatmap(
        run.output, x_labels=labels, title=ui.t("ar.concat_title", H=H, value=2 * H),
        x_title=ui.t("fig.time"), y_title=ui.t("fig.unit"), value_label="[h_t; g_t]",
        zmax=1.0 if cfg.nonlinearity == "tanh" else None, reduced_note=ui.t("fig.reduced")),
        key="ar_concat")
    st.latex(r"o_t = V\,[h_t;\, g_t] + c")
    ui.caption(ui.t("ar.bi_caption", H=H, value=2 * H, O=cfg.output_size))
if arch == "n_to_m":
    st.plotly_chart(rv.hidden_heatmap(
        run.s2s.dec_states, title=ui.t("ar.decoder_title", n=M, value=K * H),
        x_title=ui.t("ar.dec_step"), y_title=ui.t("fig.unit"), value_label="s_j",
        reduced_note=ui.t("fig.reduced")), key="ar_decoder")
    st.page_link(ENCODER_DECODER_PAGE, label=ui.t("ar.to_ed"))
if arch == "n_to_1" and run.readout is not None:
    ui.caption(ui.t("ar.readout_caption_" + readout, value=run.readout.shape[0]))

# -- every shape, in torch's conventions ---------------------------------------------------------
st.subheader(ui.t("ar.shapes"))
c1, c2 = st.columns([3, 2])
with c1:
    st.dataframe(pd.DataFrame(
        [(n, str(tuple(s)), ui.t(note)) for n, s, note in run.shapes],
        columns=[ui.t("df.col_name"), ui.t("df.col_shape"), ui.t("ar.col_what")]),
        hide_index=True, width="stretch")
with c2:
    st.code(run.code, language="python", wrap_lines=True)
ui.caption(ui.t("ar.shapes_caption", value=cfg.batch_size))
ui.finish(cfg)
