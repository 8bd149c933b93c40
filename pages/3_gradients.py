"""View 3, Gradients through time: BPTT made visible, LSTM and GRU beside the vanilla RNN."""

import pandas as pd
import streamlit as st

import ui
from rnn_core import diagnostics, work
from rnn_core.memory import format_bytes
from ui.compute_grad import (
    CELLS,
    CHECK_ENTRIES,
    CLIPS,
    LOSSES,
    MAX_JACOBIAN_ENTRIES,
    MAX_JACOBIAN_SECONDS,
    MEASURES,
    GradSettings,
    cell_peak,
    check_peak,
    fits,
    gradient_check,
    gradient_runs,
    jacobian_work,
    measure_whh,
    state_size,
)
from ui.config import run_budget
from ui.export_data import gradients_csv
from ui.frame import weights_state
from ui.work_text import check_note, duration
from viz import gradients as gv
from viz import recurrence as rv

cfg = ui.frame("gradients")
st.title(ui.t("gr.title"))
st.markdown(ui.t("gr.intro"))
if cfg.source == "csv" and ui.upload_data() is None:
    ui.run_or_stop(cfg)  # says what is missing and stops

# -- what the gradient is of, and the recurrent matrix's scale --------------------------------
c1, c2, c3 = st.columns([1.2, 1.3, 1.2])
with c1:
    loss = LOSSES[ui.page_select("loss", ui.t("gr.loss"), [ui.t("gr.loss_" + k) for k in LOSSES])]
    target = 0
    if loss != "mse":
        target = ui.page_number("target", ui.t("gr.target", O=cfg.output_size - 1), 0,
                                cfg.output_size - 1, 0)
    else:
        ui.caption(ui.t("gr.mse_target"))
weights = weights_state() if cfg.weights else None
with c2:
    measure = MEASURES[ui.page_select("measure", ui.t("gr.measure"),
                                      [ui.t("gr.measure_" + k) for k in MEASURES])]
    rescale = True
    if weights is not None:  # trained weights: as they are, unless the learner rescales them
        rescale = bool(ui.page_select("whh", ui.t("gr.whh_source"),
                                      [ui.t("gr.whh_uploaded"), ui.t("gr.whh_rescaled")]))
    if rescale:
        scale = ui.page_float("scale", ui.t("gr.scale"), 0.5, 1.5, 0.9, 0.01,
                              help=ui.t("gr.scale_help"))
    else:  # no slider: a target next to the uploaded W_hh's own measure would only confuse
        scale = measure_whh(weights, measure)
with c3:
    clip = CLIPS[ui.page_select("clip", ui.t("gr.clip"), [ui.t("gr.clip_" + k) for k in CLIPS])]
    clip_at = 1.0
    if clip != "none":
        clip_at = ui.page_float("clip_at", ui.t("gr.clip_at"), 0.01, 10.0, 1.0, 0.01)
layer, direction = ui.layer_direction(cfg)

gs = GradSettings(loss=loss, target=target, scale=scale, measure=measure, clip=clip,
                  clip_at=clip_at, rescale=rescale)


def check_section(cells: list) -> None:
    """The gradient check of `cells` on a click: the full check, or a sample within the work
    budget with a note saying which (it needs no Jacobians, so cells the view leaves out can
    still be checked)."""
    st.subheader(ui.t("gr.check"))
    ui.caption(ui.t("gr.check_caption_budget", limit=duration(work.CHECK_BUDGET_SECONDS)))
    if not st.button(ui.t("gr.check_run"), key="gradients_check"):
        return
    upload_key = cfg.upload if cfg.source == "csv" else ""
    peaks = {c: check_peak(cfg, c, T, cfg.batch_size, D) for c in cells}
    heavy = [c for c in cells if peaks[c] > run_budget()]
    if heavy:  # memory: the models and their gradients alone are past the per-run budget
        st.warning(ui.t("gr.check_too_heavy", cells=", ".join(names[c] for c in heavy),
                        need=format_bytes(max(peaks[c] for c in heavy)),
                        limit=format_bytes(run_budget())))
    checks = {c: gradient_check(cfg, gs, c, upload_key, ui.upload_data(), _weights=weights)
              for c in cells if c not in heavy}
    if not checks:
        return
    for c, res in checks.items():
        if res.plan.reduced:  # a sample of the check: say which
            st.info(check_note(names[c], res.plan, res.T, res.B, CHECK_ENTRIES))
    cols = st.columns(len(checks))
    for col, (c, res) in zip(cols, checks.items(), strict=True):
        worst = max(res.errors.values())
        col.metric(names[c], f"{worst:.1e}", help=ui.t("gr.check_help"))
        col.dataframe(pd.DataFrame(sorted(res.errors.items()),
                                   columns=[ui.t("df.col_name"), ui.t("gr.rel_err")]),
                      hide_index=True, width="stretch")


run = ui.run_or_stop(cfg)
T, D = run.T, run.D  # the data's length and width (text, numbers and files set them)
H = cfg.hidden_size
too_big = [c for c in CELLS if T * state_size(c, H) ** 2 > MAX_JACOBIAN_ENTRIES]
if too_big:  # memory: the Jacobians' entries
    S = {c: state_size(c, H) for c in too_big}
    st.warning(ui.t("gr.too_big", cells=", ".join(ui.t("gr.cell_" + c) for c in too_big),
                    T=T, S=max(S.values()), limit=MAX_JACOBIAN_ENTRIES))
too_slow = [c for c in CELLS if c not in too_big and not fits(c, T, H)]
if too_slow:  # time: their products and singular values
    worst = max(too_slow, key=lambda c: jacobian_work(c, T, H))
    st.warning(ui.t("gr.too_much_work", cells=", ".join(ui.t("gr.cell_" + c) for c in too_slow),
                    ops=f"{jacobian_work(worst, T, H):.1e}", T=T, S=state_size(worst, H),
                    estimate=duration(work.seconds(jacobian_work(worst, T, H))),
                    limit=duration(MAX_JACOBIAN_SECONDS)))
names = {c: ui.t("gr.cell_" + c) for c in CELLS}
too_heavy = [c for c in CELLS if fits(c, T, H) and cell_peak(cfg, c, T, D) > run_budget()]
if too_heavy:  # memory: the cell's forward and backward over the whole batch
    st.warning(ui.t("gr.too_heavy", cells=", ".join(names[c] for c in too_heavy),
                    need=format_bytes(max(cell_peak(cfg, c, T, D) for c in too_heavy)),
                    limit=format_bytes(run_budget())))
if len(too_big) + len(too_slow) + len(too_heavy) == len(CELLS):
    check_section(list(CELLS))
    ui.finish(cfg)
    st.stop()
runs = gradient_runs(cfg, gs, ui.upload_data(), layer, direction, weights)
regime = diagnostics.regime(scale).replace("-", "_")  # near-critical -> a key
m1, m2, m3 = st.columns(3)
m1.metric(ui.t("gr.measure_" + measure), f"{scale:.2f}",
          help=ui.t("gr.whh_uploaded_help") if not rescale else None)
m2.metric(ui.t("gr.regime"), ui.t("gr.regime_" + regime))
rnn_res = runs["rnn"].result if "rnn" in runs else None
if rnn_res is not None:
    m3.metric(ui.t("gr.rate"), f"{rnn_res.bound_rate:.3f}", help=ui.t("gr.rate_help"))
ui.caption(ui.t("gr.regime_caption_" + regime) + (" " + ui.t("gr.whh_note")
                                                  if weights is not None else ""))
for cell, r in runs.items():
    if r.error is not None:
        st.warning(ui.math_md(ui.t("gr.overflow", cell=names[cell],
                                            step=r.overflow_step or "?")))
    elif r.result.first_nonfinite_dh is not None:
        st.warning(ui.t("gr.grad_overflow", cell=names[cell],
                        step=r.result.first_nonfinite_dh + 1))
ok = {c: r.result for c, r in runs.items() if r.result is not None}
if not ok:
    st.stop()

# -- the norm of dL/dh_t across time, three cells ---------------------------------------------
st.subheader(ui.t("gr.norms"))
st.plotly_chart(rv.time_lines({names[c]: r.grad_norms for c, r in ok.items()},
                              title=ui.t("gr.norms_title", loss=ui.t("gr.loss_" + loss)),
                              x_title=ui.t("fig.time"), y_title="‖∂L/∂h_t‖", log_y=True),
                key="gr_norms")
ui.caption(ui.t("gr.norms_caption"))

# -- the Jacobian product against the distance, with its bound --------------------------------
st.subheader(ui.t("gr.products"))
series = {names[c]: r.product_spectral for c, r in ok.items()}
if "rnn" in ok:
    series[ui.t("gr.bound")] = ok["rnn"].bound
c1, c2 = st.columns(2)
with c1:
    st.plotly_chart(gv.distance_lines(series, title=ui.t("gr.products_title"),
                                      x_title=ui.t("gr.distance"), y_title="‖∂s_T/∂s_t‖₂",
                                      dashed=(ui.t("gr.bound"),)), key="gr_products")
with c2:
    st.plotly_chart(gv.distance_lines({names[c]: r.product_frobenius for c, r in ok.items()},
                                      title=ui.t("gr.products_fro"),
                                      x_title=ui.t("gr.distance"), y_title="‖∂s_T/∂s_t‖_F"),
                    key="gr_products_fro")
ui.caption(ui.t("gr.products_caption"))

# -- the gradient arriving at every state ------------------------------------------------------
st.subheader(ui.t("gr.heatmap"))
tabs = st.tabs([names[c] for c in ok])
for tab, (cell, r) in zip(tabs, ok.items(), strict=True):
    with tab:
        st.plotly_chart(rv.hidden_heatmap(r.dh[:, 0], title=ui.t("gr.heatmap_title",
                                                                 cell=names[cell]),
                                          x_title=ui.t("fig.time"), y_title=ui.t("fig.unit"),
                                          value_label="∂L/∂h_t",
                                          unit_name=ui.t("fig.unit_short"),
                                          reduced_note=ui.t("fig.reduced")),
                        key=f"gr_heat_{cell}")
ui.caption(ui.t("gr.heatmap_caption"))

# -- singular values ---------------------------------------------------------------------------
st.subheader(ui.t("gr.singular"))
c1, c2 = st.columns(2)
if "rnn" in ok:
    with c1:
        st.plotly_chart(gv.bars(ok["rnn"].whh_singular_values, title=ui.t("gr.sv_whh"),
                                x_title=ui.t("gr.sv_index"), y_title="σ",
                                name="σ(W_hh)"), key="gr_sv_whh")
with c2:
    st.plotly_chart(rv.time_lines(
        {f"σ_max · {names[c]}": r.step_singular_values[:, 0] for c, r in ok.items()},
        title=ui.t("gr.sv_steps"), x_title=ui.t("gr.processing_step"), y_title="σ_max(J_t)"),
        key="gr_sv_steps")
ui.caption(ui.t("gr.singular_caption"))

# -- where dL/dW_hh comes from, and clipping ----------------------------------------------------
st.subheader(ui.math_md(ui.t("gr.whh")))
c1, c2 = st.columns([3, 2])
with c1:
    cell_i = ui.page_select("cell", ui.t("gr.cell"), [names[c] for c in ok])
    cell = list(ok)[cell_i]
    st.plotly_chart(gv.bars(ok[cell].contribution_shares, title=ui.t("gr.shares_title",
                                                                      cell=names[cell]),
                            x_title=ui.t("fig.time"), y_title=ui.t("gr.share"),
                            name=ui.t("gr.share")), key="gr_shares")
    ui.caption(ui.t("gr.shares_caption"))
with c2:
    r = runs[cell]
    table = pd.DataFrame([(n, str(list(s)), b, a) for n, s, b, a in r.norms],
                         columns=[ui.t("df.col_name"), ui.t("df.col_shape"),
                                  ui.t("gr.norm_before"), ui.t("gr.norm_after")])
    st.dataframe(table, hide_index=True, width="stretch")
    st.metric(ui.t("gr.global_norm"), f"{r.total_before:.4g}",
              delta=None if clip == "none" else f"→ {r.total_after:.4g}", delta_color="off")
    ui.caption(ui.t("gr.clip_caption_" + clip, at=clip_at))

st.download_button(ui.t("ex.download_grads"),
                   lambda: gradients_csv(dict(ok)).encode("utf-8-sig"),
                   file_name="gradients_dL_dh.csv", mime="text/csv",
                   help=ui.t("ex.download_grads_help"))

# -- gradient check ------------------------------------------------------------------------------
check_section([c for c in CELLS if c in ok or c in too_big or c in too_slow or c in too_heavy])
ui.finish(cfg)
