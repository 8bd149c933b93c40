"""View 2, Recurrence: step through time and watch the hidden state evolve."""

import numpy as np
import streamlit as st

import ui
from ui import stepper
from ui.export_data import hidden_states_csv
from viz import recurrence as rv

cfg = ui.frame("recurrence")
st.title(ui.t("rec.title"))
st.markdown(ui.t("rec.intro"))
run = ui.run_or_stop(cfg)
stepper.stop_unless_armed()
T, K, L, H = run.T, 2 if cfg.bidirectional else 1, cfg.num_layers, cfg.hidden_size
labels = list(run.step_labels) if run.step_labels else None
time_title = ui.t("fig.time")
MAX_UNITS = 32  # units drawn in the contribution chart; more would be unreadable


TIMER_ON = stepper.playing()
stepper.play_button(T)


@st.fragment(run_every=stepper.run_every())
def step_views() -> None:
    step = stepper.step_control(T, TIMER_ON)
    i = step - 1
    st.plotly_chart(rv.unrolled_chain(T, step, x_labels=labels, title=ui.t("rec.chain")),
                    key="rec_chain")
    ui.caption(ui.t("rec.chain_caption"))

    # -- what each term contributes at this step ----------------------------------------------
    st.subheader(ui.t("rec.terms"))
    layer, direction = ui.layer_direction(cfg)
    lr = run.layers[layer][direction]
    pre = lr.pre[i, 0]
    units = np.sort(np.argsort(-np.abs(pre), kind="stable")[:MAX_UNITS])  # largest |a_t|
    c1, c2 = st.columns([3, 2])
    with c1:
        st.plotly_chart(rv.contributions_bar(
            lr.ih[i, 0][units], lr.hh[i, 0][units], (lr.b_ih + lr.b_hh)[units], pre[units],
            lr.h[i, 0][units], units=units.tolist(), title=ui.t("rec.terms_title", t=step),
            names=dict(input="W_ih x_t", recurrent="W_hh h_{t-1}", bias="b_ih + b_hh",
                       pre="a_t", h="h_t"), x_title=ui.t("fig.unit")), key="rec_terms")
        if H > MAX_UNITS:
            ui.caption(ui.t("rec.terms_subset", n=MAX_UNITS, H=H))
    with c2:
        st.plotly_chart(rv.activation_scatter(pre, lr.h[i, 0], cfg.nonlinearity,
                                              title=ui.t("rec.act_title", f=cfg.nonlinearity),
                                              x_title=ui.t("rec.pre_axis"), y_title="h_t",
                                              units_name=ui.t("fig.units"),
                                              saturated_name=ui.t("rec.saturated_band"),
                                              unit_name=ui.t("fig.unit_short")),
                        key="rec_act")
    ui.caption(ui.t("rec.terms_caption"))

    # -- the hidden state over time -----------------------------------------------------------
    st.subheader(ui.t("rec.heatmap"))
    zmax = 1.0 if cfg.nonlinearity == "tanh" else None
    panels = [(ui.t("rec.layer_dir", l=lay, d=ui.t("df.forward") if k == 0
                    else ui.t("df.backward")) if (L > 1 or K > 1) else "h_t",
               run.layers[lay][k].h[:, 0]) for lay in range(L) for k in range(K)]
    if K > 1:
        panels.append(("[h_t; g_t]", run.output[:, 0]))
    tabs = st.tabs([ui.math_md(p[0]) for p in panels]) if len(panels) > 1 else [st.container()]
    for n, (tab, (name, h)) in enumerate(zip(tabs, panels, strict=True)):
        with tab:
            st.plotly_chart(rv.hidden_heatmap(
                h, step=step, x_labels=labels, title=ui.t("rec.heatmap_title", name=name),
                x_title=time_title, y_title=ui.t("fig.unit"), zmax=zmax,
                reduced_note=ui.t("fig.reduced"), unit_name=ui.t("fig.unit_short")),
                key=f"rec_heat_{n}")
    ui.caption(ui.t("rec.heatmap_caption"))

    # -- outputs and saturation ---------------------------------------------------------------
    c1, c2 = st.columns(2)
    with c1:
        tab_p, tab_o = st.tabs([ui.math_md("softmax(o_t)"), ui.math_md("o_t = W_ho h_t + b_ho")])
        with tab_p:
            st.plotly_chart(rv.probs_heatmap(run.probs[:, 0], step=step, x_labels=labels,
                                             title=ui.t("rec.probs"), x_title=time_title,
                                             y_title=ui.t("fig.class")), key="rec_probs")
        with tab_o:
            st.plotly_chart(rv.hidden_heatmap(run.logits[:, 0], step=step, x_labels=labels,
                                              title=ui.t("rec.logits"), x_title=time_title,
                                              y_title=ui.t("fig.class"), value_label="o_t",
                                              unit_name=ui.t("fig.class")), key="rec_logits")
        ui.caption(ui.t("rec.probs_caption"))
    with c2:
        if cfg.nonlinearity == "tanh":
            st.plotly_chart(rv.time_lines({ui.t("rec.saturated"): run.saturation}, step=step,
                                          title=ui.t("rec.saturation"), x_title=time_title,
                                          y_title=ui.t("rec.fraction"), x_labels=labels,
                                          y_range=(0, 1)), key="rec_sat")
            ui.caption(ui.t("rec.saturation_caption"))
        else:
            st.info(ui.t("rec.saturation_relu"))

    # -- trajectory and fading memory ---------------------------------------------------------
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(rv.pca_trajectory(run.pca, step=step, labels=labels,
                                          title=ui.t("rec.pca", a=run.pca_explained[0] * 100,
                                                     b=run.pca_explained[1] * 100),
                                          start_name=ui.t("rec.pca_start"),
                                          current_name=ui.t("rec.pca_current"),
                                          path_name=ui.t("rec.pca_path")),
                        key="rec_pca")
        ui.caption(ui.t("rec.pca_caption"))
    with c2:
        st.plotly_chart(rv.time_lines({ui.t("rec.distance_name"): run.distance}, step=step,
                                      title=ui.t("rec.distance"), x_title=time_title,
                                      y_title=ui.t("rec.distance_axis"), log_y=True,
                                      x_labels=labels), key="rec_dist")
        ui.caption(ui.t("rec.distance_caption", eps=1e-3, rho=run.radius_after))
    ui.finish(cfg)  # the URL and the sidebar's link follow the step, also while playing


step_views()
st.download_button(ui.t("ex.download_states"),
                   lambda: hidden_states_csv(run).encode("utf-8-sig"),  # utf-8-sig: Excel
                   file_name="hidden_states.csv", mime="text/csv",
                   help=ui.t("ex.download_states_help"))
ui.finish(cfg, share=False)  # the fragment drew the link
