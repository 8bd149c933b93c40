"""View 6, Training: small tasks trained live in NumPy, with the curves drawn while it trains."""

import numpy as np
import streamlit as st

import ui
from rnn_core import tasks as rt
from ui import compute_train as ct
from ui.work_text import duration
from viz import architectures as va
from viz import recurrence as rv
from viz import theme
from viz import training as tv

cfg = ui.frame("training")
st.title(ui.t("tr.title"))
st.markdown(ui.t("tr.intro"))
ss = st.session_state
names = {c: ui.t("tr.cell_" + c) for c in ct.CELLS}

# -- what to train and how ---------------------------------------------------------------------
c1, c2, c3 = st.columns(3)
with c1:
    task = ct.TASKS[ui.page_select("task", ui.t("tr.task"),
                                   [ui.t("tr.task_" + k) for k in ct.TASKS])]
    ui.caption(ui.t("tr.task_help_" + task))
    cell = ct.CELLS[ui.page_select("cell", ui.t("tr.cell"), [names[c] for c in ct.CELLS], 1)]
    hidden = ct.HIDDEN[ui.page_select("hsize", ui.t("tr.hidden"), list(ct.HIDDEN), 2)]
with c2:
    opt = ct.OPTIMIZERS[ui.page_select("optim", ui.t("tr.optimizer"),
                                       [ui.t("tr.opt_" + k) for k in ct.OPTIMIZERS])]
    lr = ct.LRS[ui.page_select("lr", ui.t("tr.lr"), list(ct.LRS), 2)]
    clip = ct.CLIPS[ui.page_select("clip", ui.t("tr.clip"),
                                   [ui.t("tr.clip_" + k) for k in ct.CLIPS])]
    clip_at = 1.0
    if clip != "none":
        clip_at = ui.page_float("clipat", ui.t("tr.clip_at"), 0.1, 10.0, 1.0, 0.1)
with c3:
    batch = ct.BATCHES[ui.page_select("bs", ui.t("tr.batch"), list(ct.BATCHES), 3)]
    steps = ui.page_number("steps", ui.t("tr.steps", hi=ct.MAX_STEPS), 10, ct.MAX_STEPS, 500)
    seed = ui.page_number("tseed", ui.t("tr.seed"), 0, 9999, 0)

lag, gate_bias, text = 10, 0.0, ""
mode, length, context = ct.Settings.mode, ct.Settings.length, ct.Settings.context
if task == "memory":
    c1, c2 = st.columns(2)
    with c1:
        lag = ui.page_number("lag", ui.t("tr.lag"), 0, 40, 10)
    with c2:
        gate_bias = ct.GATE_BIASES[ui.page_select("gbias", ui.t("tr.gate_bias"),
                                                  list(ct.GATE_BIASES), 3,
                                                  help=ui.t("tr.gate_bias_help"))]
    ui.caption(ui.t("tr.memory_caption", n=lag + 1 + ct.MEMORY_PAD, value=ct.MEMORY_PAD))
elif task == "chars":
    if "training_text_value" not in ss:
        ss["training_text_value"] = ct.default_text()
    if "training_text_box" not in ss:  # the widget's state is dropped on a page switch
        ss["training_text_box"] = ss["training_text_value"]
    raw = st.text_area(ui.t("tr.text"), key="training_text_box", height=120,
                       help=ui.t("tr.text_help", limit=rt.MAX_TEXT, value=rt.MAX_VOCAB))
    ss["training_text_value"] = raw
    text = raw
    n_vocab = len(set(raw))
    if not 2 <= len(raw) <= rt.MAX_TEXT or not 2 <= n_vocab <= rt.MAX_VOCAB:
        st.error(ui.t("tr.err_text", length=len(raw), value=n_vocab, limit=rt.MAX_TEXT,
                      hi=rt.MAX_VOCAB))
        text = ct.default_text()
    ui.caption(ui.t("tr.text_caption", length=len(text), value=len(set(text))))

elif task == "seq2seq":
    c1, c2, c3 = st.columns(3)
    with c1:
        mode = ct.S2S_MODES[ui.page_select("s2smode", ui.t("tr.s2s_mode"),
                                           [ui.t("tr.s2s_" + m) for m in ct.S2S_MODES], 1)]
    with c2:
        length = ui.page_number("s2slen", ui.t("tr.s2s_length", hi=ct.S2S_MAX_LENGTH), 2,
                                ct.S2S_MAX_LENGTH, ct.Settings.length)
    with c3:
        context = ct.S2S_CONTEXTS[ui.page_select("s2sctx", ui.t("ed.context"),
                                                 [ui.t("ed.ctx_" + k) for k in ct.S2S_CONTEXTS])]
    ui.caption(ui.t("tr.s2s_caption", n=length, value=ct.S2S_SYMBOLS) + " "
               + ui.t("ed.ctx_caption_" + context))

settings = ct.Settings(task=task, cell=cell, hidden_size=hidden, optimizer=opt, lr=lr,
                       clip=clip, clip_at=clip_at, batch_size=batch, steps=steps, seed=seed,
                       lag=lag, gate_bias=gate_bias, text=text, mode=mode, length=length,
                       context=context)
run, stale = ct.get_run(settings)
sweep = ss.get(ct.SWEEP_KEY)
if stale:
    st.warning(ui.t("tr.stale", step=run.step))
if run.reduced:  # over the work budget: fewer steps, and why
    st.info(ui.t("tr.steps_reduced", n=run.settings.steps,
                 full=duration(run.seconds_for(run.settings.steps)),
                 limit=duration(ct.MAX_TRAIN_SECONDS), m=run.target))

# -- train, stop, resume, reset ----------------------------------------------------------------
b1, b2, b3, b4 = st.columns([1.3, 1, 1, 3])
label = ui.t("tr.train") if run.step == 0 else ui.t("tr.resume")
b1.button(label, key="training_train", type="primary", on_click=ct.start,
          disabled=run.running or run.done, width="stretch")
b2.button(ui.t("tr.stop"), key="training_stop", on_click=ct.stop, disabled=not run.running,
          width="stretch")
b3.button(ui.t("tr.reset"), key="training_reset", on_click=ct.reset, args=(settings,),
          width="stretch")
if run.done and run.trainer.diverged is None:
    b4.caption(ui.t("tr.done_hint", step=run.step))
TIMER_ON = run.running or bool(sweep is not None and sweep.running)


@st.fragment(run_every=ct.TICK if TIMER_ON else None)
def live() -> None:
    """Advance training by a time slice and redraw the curves (on every tick while running)."""
    r = ss[ct.RUN_KEY]
    sw = ss.get(ct.SWEEP_KEY)
    was_running = r.running or bool(sw is not None and sw.running)
    if was_running != TIMER_ON:
        ct.rerun_page()  # the timer is set by a full run
    r.advance()
    if sw is not None and sw.running:
        sw.advance()
    if was_running and not (r.running or (sw is not None and sw.running)):
        ct.rerun_page()  # finished: drop the timer, draw the results
    if r.trainer.diverged is not None:
        st.error(ui.t("tr.diverged", step=r.trainer.diverged))
    left = ct.fmt_seconds(r.time_left()) if r.running else "–"
    rate = f"{r.rate:.0f}" if r.rate else "–"
    st.progress(min(1.0, r.step / r.target),
                text=ui.t("tr.progress", step=r.step, n=r.target, a=rate, value=left))
    h = r.trainer.history.arrays()
    if h["step"].size == 0:
        st.info(ui.t("tr.press_train"))
        return
    window = max(1, min(50, h["step"].size // 10))
    loss_s = ct.smooth(h["loss"], window)
    norm_s = ct.smooth(h["grad_norm"], window)
    m1, m2, m3 = st.columns(3)
    m1.metric(ui.t("tr.loss_now"), f"{loss_s[-1]:.4g}",
              delta=f"{loss_s[-1] - h['loss'][0]:+.3g}", delta_color="inverse")
    m2.metric(ui.t("tr.norm_now"), f"{norm_s[-1]:.3g}")
    m3.metric(ui.t("tr.rate"), rate)
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(tv.training_curve(
            h["step"], h["loss"], loss_s, title=ui.t("tr.loss_title", loss=ui.t(
                "tr.loss_" + r.settings.task)), x_title=ui.t("tr.step_axis"),
            y_title=ui.t("tr.loss_axis"), raw_name=ui.t("tr.per_step"),
            smooth_name=ui.t("tr.smoothed", n=window), x_max=r.target), key="training_loss")
    with c2:
        clip_line = r.settings.clip_at if r.settings.clip == "norm" else None
        st.plotly_chart(tv.training_curve(
            h["step"], h["grad_norm"], norm_s, title=ui.t("tr.norm_title"),
            x_title=ui.t("tr.step_axis"), y_title="‖∇L‖₂", raw_name=ui.t("tr.per_step"),
            smooth_name=ui.t("tr.smoothed", n=window), hline=clip_line,
            hline_name=ui.t("tr.clip_line", at=r.settings.clip_at), x_max=r.target),
            key="training_norm")
    ui.caption(ui.t("tr.curves_caption"))
    if sw is not None and sw.running:
        st.progress(sw.progress, text=ui.t("tr.sweep_progress", n=sw.index,
                                           value=len(sw.jobs)))
    ui.finish(cfg, share=False)


live()
run = ss[ct.RUN_KEY]

# -- before and after ----------------------------------------------------------------------------
st.subheader(ui.t("tr.before_after"))
ui.caption(ui.t("tr.before_after_caption", step=run.step))
now = run.now()
before = run.before
t_axis = np.arange(1, run.eval_x.shape[0] + 1)
if run.settings.task == "sine":
    c1, c2 = st.columns([3, 1])
    with c1:
        st.plotly_chart(tv.predictions(t_axis, {
            ui.t("tr.input"): run.eval_x[:, 0, 0], ui.t("tr.target"): run.eval_y[:, 0, 0],
            ui.t("tr.before"): before.logits[:, 0, 0], ui.t("tr.after", step=run.step):
            now.logits[:, 0, 0]}, title=ui.t("tr.sine_title"), x_title=ui.t("fig.time"),
            y_title="x_t, y_t", dashed=(ui.t("tr.before"),),
            colors={ui.t("tr.input"): tv.INPUT_COLOR, ui.t("tr.target"): tv.TARGET_COLOR}),
            key="training_pred")
    with c2:
        st.metric(ui.t("tr.r2_before"), f"{before.score:.3f}")
        st.metric(ui.t("tr.r2_now"), f"{now.score:.3f}")
    ui.caption(ui.t("tr.sine_caption"))
elif run.settings.task == "memory":
    C = run.task.n_symbols
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(tv.confusion(run.eval_y, np.argmax(before.logits, -1), C,
                                     title=ui.t("tr.conf_before", a=f"{before.score:.0%}"),
                                     x_title=ui.t("tr.predicted"), y_title=ui.t("tr.true")),
                        key="training_conf_before")
    with c2:
        st.plotly_chart(tv.confusion(run.eval_y, np.argmax(now.logits, -1), C,
                                     title=ui.t("tr.conf_now", step=run.step,
                                                a=f"{now.score:.0%}"),
                                     x_title=ui.t("tr.predicted"), y_title=ui.t("tr.true")),
                        key="training_conf_now")
    ui.caption(ui.t("tr.memory_result_caption", value=f"{1 / C:.0%}"))
elif run.settings.task == "seq2seq":
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(ui.t("tr.s2s_tokens_before"), f"{before.score:.0%}")
    m2.metric(ui.t("tr.s2s_tokens_now"), f"{now.score:.0%}")
    m3.metric(ui.t("tr.s2s_seqs_before"), f"{ct.sequence_accuracy(before):.0%}")
    m4.metric(ui.t("tr.s2s_seqs_now"), f"{ct.sequence_accuracy(now):.0%}")
    c1, c2 = st.columns([2, 3])
    with c1:
        st.code(ct.s2s_examples(run, before, now, (
            ui.t("tr.s2s_read"), ui.t("tr.target"), ui.t("tr.before"),
            ui.t("tr.after", step=run.step))), language=None)
    with c2:
        M = run.eval_y.shape[0]
        st.plotly_chart(tv.lag_accuracy(
            np.arange(1, M + 1), {ui.t("tr.before"): ct.position_accuracy(before),
                                  ui.t("tr.after", step=run.step): ct.position_accuracy(now)},
            1 / ct.S2S_SYMBOLS, title=ui.t("tr.s2s_position_title"),
            x_title=ui.t("tr.s2s_position_axis"), y_title=ui.t("tr.accuracy"),
            chance_name=ui.t("tr.chance"), x_name="j"), key="training_s2s_positions")
    ui.caption(ui.t("tr.s2s_result_caption_" + run.settings.mode, n=M))
    if now.alpha is not None:
        read = ct.symbols(np.argmax(run.eval_x[:, 0], -1)).split()
        wrote = ct.symbols(np.argmax(now.logits[:, 0], -1)).split()
        st.plotly_chart(va.attention_heatmap(
            now.alpha[:, 0], enc_labels=[f"{i + 1}:{c}" for i, c in enumerate(read)],
            dec_labels=[f"{j + 1}:{c}" for j, c in enumerate(wrote)],
            title=ui.t("tr.s2s_attention_title", step=run.step),
            x_title=ui.t("tr.s2s_attention_x"), y_title=ui.t("tr.s2s_attention_y")),
            key="training_s2s_attention")
        ui.caption(ui.t("tr.s2s_attention_caption"))
else:
    ids_t = run.eval_y[:, 0]
    st.markdown(ui.t("tr.next_char"))
    shown = [theme.display_char(run.task.decode(ids)) for ids in (
        ids_t, np.argmax(before.logits[:, 0], -1), np.argmax(now.logits[:, 0], -1))]
    st.code(ct.aligned([(ui.t("tr.target"), shown[0]), (ui.t("tr.before"), shown[1]),
                        (ui.t("tr.after", step=run.step), shown[2])]), language=None)
    ui.caption(ui.t("tr.next_char_caption", a=f"{before.score:.0%}", b=f"{now.score:.0%}"))
    temp = ui.page_float("temp", ui.t("tr.temperature"), 0.1, 2.0, 0.8, 0.1,
                         help=ui.t("tr.temperature_help"))
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(ui.t("tr.sample_before"))
        st.code(ct.sample_before(run, temp), language=None, wrap_lines=True)
    with c2:
        st.markdown(ui.t("tr.sample_now", step=run.step))
        st.code(ct.sample_text(run, temp), language=None, wrap_lines=True)
    ui.caption(ui.t("tr.sample_caption"))

# the hidden state on the first sequence of the evaluation batch
c1, c2 = st.columns(2)
labels = None
if run.settings.task == "chars":
    labels = list(run.task.decode(np.argmax(run.eval_x[:, 0], -1)))
elif run.settings.task == "seq2seq":  # the encoder's columns, then the decoder's
    labels = ct.symbols(np.argmax(run.eval_x[:, 0], -1)).split() + [
        "→" + c for c in ct.symbols(run.eval_y[:, 0]).split()]
zmax = max(1e-9, float(np.max(np.abs(before.hidden[:, 0]))),
           float(np.max(np.abs(now.hidden[:, 0]))))
with c1:
    st.plotly_chart(rv.hidden_heatmap(before.hidden[:, 0], x_labels=labels,
                                      title=ui.t("tr.hidden_before"), x_title=ui.t("fig.time"),
                                      y_title=ui.t("fig.unit"), zmax=zmax,
                                      reduced_note=ui.t("fig.reduced")),
                    key="training_hidden_before")
with c2:
    st.plotly_chart(rv.hidden_heatmap(now.hidden[:, 0], x_labels=labels,
                                      title=ui.t("tr.hidden_now", step=run.step),
                                      x_title=ui.t("fig.time"), y_title=ui.t("fig.unit"),
                                      zmax=zmax, reduced_note=ui.t("fig.reduced")),
                    key="training_hidden_now")
ui.caption(ui.t("tr.hidden_caption") + (" " + ui.t("tr.s2s_hidden_caption", n=run.task.seq_len)
                                        if run.settings.task == "seq2seq" else ""))

# -- accuracy against the lag: three cells on one chart ------------------------------------------
if run.settings.task == "memory":
    st.subheader(ui.t("tr.sweep"))
    sweep_n, sweep_full = ct.sweep_steps(ct.sweep_config(run.settings))
    ui.caption(ui.t("tr.sweep_caption", n=sweep_n, value=ct.SWEEP_GATE_BIAS))
    if sweep_n < ct.SWEEP_STEPS:  # over the work budget: fewer steps for every cell and lag
        st.info(ui.t("tr.sweep_reduced", full=duration(sweep_full), m=sweep_n,
                     n=ct.SWEEP_STEPS, limit=duration(ct.MAX_TRAIN_SECONDS)))
    s1, s2, _ = st.columns([1.3, 1, 3])
    s1.button(ui.t("tr.sweep_run"), key="training_sweep_run", on_click=ct.start_sweep,
              args=(ct.sweep_config(run.settings),),
              disabled=bool(sweep is not None and (sweep.running or (
                  sweep.done and sweep.cfg.seed == run.settings.seed))), width="stretch")
    s2.button(ui.t("tr.stop"), key="training_sweep_stop", on_click=ct.stop_sweep,
              disabled=not (sweep is not None and sweep.running), width="stretch")
    if sweep is not None:
        st.plotly_chart(tv.lag_accuracy(
            np.asarray(sweep.lags), {names[c]: sweep.results[c] for c in ct.CELLS},
            1 / run.task.n_symbols, title=ui.t("tr.sweep_title"), x_title=ui.t("tr.lag_axis"),
            y_title=ui.t("tr.accuracy"), chance_name=ui.t("tr.chance")), key="training_lags")

# -- downloads -----------------------------------------------------------------------------------
st.subheader(ui.t("tr.download"))
d1, d2 = st.columns(2)
d1.download_button(ui.t("tr.download_weights"), ct.weights_npz(run),
                   file_name="rnn_weights.npz", mime="application/octet-stream",
                   key="training_dl_weights", width="stretch")
d2.download_button(ui.t("tr.download_history"), ct.history_csv(run),
                   file_name="loss_history.csv", mime="text/csv", key="training_dl_history",
                   disabled=run.step == 0, width="stretch")
ui.caption(ui.t("tr.download_caption_seq2seq" if run.settings.task == "seq2seq"
               else "tr.download_caption"))
st.code(ct.torch_snippet(run), language="python")
ui.finish(cfg)
