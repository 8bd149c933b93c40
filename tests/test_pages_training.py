"""The Training view under AppTest: a short run trains to completion and draws its curves, stop
and resume continue the same run, reset starts over, the run survives a page switch, every
task draws its before/after views, bad pasted text is refused with a message, and the
downloads hold the weights under torch's names. Widgets by key: "w_training_<name>" for the
page's controls, "training_train/stop/reset" for the buttons."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pytest
from apptest_util import as_array, chart, charts, check_no_exception, heatmap_z, new_app, texts

from rnn_core import train
from ui import compute_train as ct
from ui.i18n import STRINGS

PAGE = "pages/6_training.py"


def s(key: str, lang: int = 0, **params) -> str:
    text = STRINGS[key][lang]
    return text.format(**params) if params else text


def open_training(query: dict | None = None):
    at = new_app(query)
    at.run()
    at.switch_page(PAGE).run()
    check_no_exception(at)
    return at


def the_run(at):
    return at.session_state["training_run"]


def set_steps(at, n: int) -> None:
    at.number_input(key="w_training_steps").set_value(n).run()
    check_no_exception(at)


def train_until_done(at, limit: int = 60) -> None:
    at.button(key="training_train").click().run()
    for _ in range(limit):
        check_no_exception(at)
        if not the_run(at).running:
            return
        at.run()  # a full run runs the fragment too: one more slice
    raise AssertionError(f"still running after {limit} runs at step {the_run(at).step}")


def test_page_opens_with_its_controls_and_nothing_trained():
    at = open_training()
    assert texts(at.title) == [s("tr.title")]
    keys = {w.key for w in at.selectbox} | {w.key for w in at.number_input}
    assert {"w_training_task", "w_training_cell", "w_training_optim", "w_training_lr",
            "w_training_clip", "w_training_bs", "w_training_steps", "w_training_tseed",
            "w_training_hsize"} <= keys
    assert the_run(at).step == 0 and not the_run(at).running
    assert s("tr.press_train") in texts(at.info)
    assert at.button(key="training_stop").disabled
    assert {"training_hidden_before", "training_hidden_now", "training_pred"} <= set(charts(at))


def test_short_run_trains_to_completion_and_draws_its_curves():
    at = open_training()
    set_steps(at, 25)
    train_until_done(at)
    run = the_run(at)
    assert run.step == 25 and not run.running and run.trainer.diverged is None
    loss = chart(at, "training_loss")
    np.testing.assert_array_equal(np.asarray(loss["data"][0]["x"]), np.arange(1, 26))
    np.testing.assert_allclose(np.asarray(loss["data"][0]["y"], dtype=float),
                               run.trainer.history.loss)
    norm = chart(at, "training_norm")
    np.testing.assert_allclose(np.asarray(norm["data"][0]["y"], dtype=float),
                               run.trainer.history.grad_norm)
    assert norm["data"][-1]["name"] == s("tr.clip_line", at=1.0)  # the clip threshold
    progress = at.get("progress")[0].proto
    assert progress.value == 100
    assert at.button(key="training_train").disabled  # done: raise the steps to go on
    assert s("tr.done_hint", step=25) in texts(at.caption)


def test_stop_and_resume_continue_the_same_run():
    at = open_training()
    set_steps(at, 5000)
    at.button(key="training_train").click().run()
    run = the_run(at)
    assert run.running and 0 < run.step < 5000
    at.button(key="training_stop").click().run()
    check_no_exception(at)
    stopped = run.step
    assert not run.running
    at.run()
    assert run.step == stopped  # stopped means stopped
    assert at.button(key="training_train").label == s("tr.resume")
    at.button(key="training_train").click().run()
    check_no_exception(at)
    assert the_run(at) is run and run.running and run.step > stopped
    at.button(key="training_stop").click().run()
    assert run.trainer.history.step == list(range(1, run.step + 1))


def test_the_curves_are_those_of_one_uninterrupted_run():
    """Trained in slices across reruns, with a stop in between, the curve is the one a single
    call of rnn_core.train gives with the same settings."""
    at = open_training()
    set_steps(at, 5000)
    at.button(key="training_train").click().run()
    at.button(key="training_stop").click().run()
    at.button(key="training_train").click().run()
    at.button(key="training_stop").click().run()
    run = the_run(at)
    assert run.step > 0
    ref = train.train(run.task, replace(run.settings.config(), steps=run.step))
    assert run.trainer.history.loss == ref.history.loss


def test_reset_starts_over_and_settings_wait_for_it():
    at = open_training()
    set_steps(at, 15)
    train_until_done(at)
    at.selectbox(key="w_training_cell").set_value(0).run()  # vanilla RNN
    check_no_exception(at)
    assert the_run(at).settings.cell == "lstm" and the_run(at).step == 15
    assert s("tr.stale", step=15) in texts(at.warning)
    at.button(key="training_reset").click().run()
    check_no_exception(at)
    assert the_run(at).step == 0 and the_run(at).settings.cell == "rnn"
    assert not at.warning


def test_the_run_survives_a_page_switch():
    at = open_training()
    set_steps(at, 12)
    train_until_done(at)
    run = the_run(at)
    at.switch_page("pages/2_recurrence.py").run()
    check_no_exception(at)
    at.switch_page(PAGE).run()
    check_no_exception(at)
    assert the_run(at) is run and run.step == 12
    assert at.number_input(key="w_training_steps").value == 12
    assert "training_loss" in charts(at)


def test_memory_task_draws_confusions_and_the_lag_comparison_starts():
    at = open_training()
    at.selectbox(key="w_training_task").set_value(1).run()
    check_no_exception(at)
    run = the_run(at)
    assert run.settings.task == "memory" and run.task.lag == 10
    assert run.settings.gate_bias == 3.0
    assert {"training_conf_before", "training_conf_now"} <= set(charts(at))
    at.button(key="training_sweep_run").click().run()
    check_no_exception(at)
    sweep = at.session_state["training_sweep"]
    assert sweep.running and sweep.progress > 0
    fig = chart(at, "training_lags")
    assert [tr["name"] for tr in fig["data"]] == [s("tr.cell_rnn"), s("tr.cell_lstm"),
                                                  s("tr.cell_gru"), s("tr.chance")]
    at.button(key="training_sweep_stop").click().run()
    assert not at.session_state["training_sweep"].running


def test_chars_task_samples_text_and_refuses_a_text_it_cannot_learn():
    at = open_training()
    at.selectbox(key="w_training_task").set_value(2).run()
    check_no_exception(at)
    run = the_run(at)
    assert run.settings.task == "chars" and run.task.text.startswith("Alice was beginning")
    assert len(at.code) >= 3  # predictions, two samples (and the torch snippet)
    at.text_area(key="training_text_box").input("a").run()
    check_no_exception(at)
    assert any(s("tr.err_text", length=1, value=1, limit=20000, hi=128) == e
               for e in texts(at.error))
    assert the_run(at).task.text.startswith("Alice")  # the default passage stands in
    at.text_area(key="training_text_box").input("abcabcabd " * 5).run()
    check_no_exception(at)
    assert not at.error and the_run(at).task.text == "abcabcabd " * 5


def test_downloads_hold_torch_named_weights_and_the_history():
    at = open_training()
    set_steps(at, 10)
    train_until_done(at)
    buttons = {b.proto.label: b for b in at.main.get("download_button")}  # not the sidebar's
    assert set(buttons) == {s("tr.download_weights"), s("tr.download_history")}
    run = the_run(at)
    weights = train.load_npz(io.BytesIO(train.save_npz(run.trainer.net.state_dict())))
    assert "rnn.weight_ih_l0" in weights and "head.weight" in weights
    assert run.trainer.history.csv().count("\n") == 11


def test_page_speaks_chinese():
    at = open_training({"lang": "zh"})
    assert texts(at.title) == [s("tr.title", 1)]
    assert at.button(key="training_train").label == s("tr.train", 1)


@pytest.mark.parametrize("query", [{"steps": "99999999"}, {"lr": "nope"}])
def test_bad_url_values_warn_and_fall_back(query):
    at = new_app(query)
    at.switch_page(PAGE)
    at.run()
    check_no_exception(at)
    assert at.warning
    assert the_run(at).settings.steps == 500 and the_run(at).settings.lr == 0.01


# ---------------------------------------------------------------------------------------------
# copy / reverse with an encoder-decoder
# ---------------------------------------------------------------------------------------------

S2S = ct.TASKS.index("seq2seq")


def test_seq2seq_task_trains_and_shows_what_it_writes():
    at = open_training()
    at.selectbox(key="w_training_task").set_value(S2S).run()
    check_no_exception(at)
    at.number_input(key="w_training_s2slen").set_value(6).run()
    at.selectbox(key="w_training_s2sctx").set_value(ct.S2S_CONTEXTS.index("dot")).run()
    set_steps(at, 30)
    train_until_done(at)
    run = the_run(at)
    assert (run.settings.task, run.settings.mode, run.task.seq_len) == ("seq2seq", "reverse", 6)
    assert isinstance(run.trainer.net, train.EncoderDecoder) and run.trainer.net.context == "dot"
    assert run.step == 30
    now, before = run.now(), run.before
    pos = chart(at, "training_s2s_positions")
    np.testing.assert_array_equal(as_array(pos["data"][0]["x"]), np.arange(1, 7))
    np.testing.assert_allclose(as_array(pos["data"][0]["y"]), ct.position_accuracy(before))
    np.testing.assert_allclose(as_array(pos["data"][1]["y"]), ct.position_accuracy(now))
    att = chart(at, "training_s2s_attention")
    np.testing.assert_allclose(heatmap_z(att["data"][0]), now.alpha[:, 0])
    hidden = chart(at, "training_hidden_now")
    assert heatmap_z(hidden["data"][0]).shape == (32, 12)  # units x (6 read + 6 written)
    read = ct.symbols(np.argmax(run.eval_x[:, 0], -1))
    wrote = ct.symbols(np.argmax(now.logits[:, 0], -1))
    examples = [c.value for c in at.code if read in c.value]
    assert examples and wrote in examples[0]
    assert any("self.encoder = torch.nn.LSTM(8, 32)" in c.value for c in at.code)
    assert s("tr.download_caption_seq2seq") in texts(at.caption)


def test_seq2seq_deep_link_opens_its_settings():
    at = new_app({"task": str(S2S), "s2slen": "12", "s2sctx": "0", "s2smode": "0"})
    at.switch_page(PAGE)
    at.run()
    check_no_exception(at)
    run = the_run(at)
    assert (run.task.mode, run.task.seq_len, run.settings.context) == ("copy", 12, "last")
    assert "training_s2s_attention" not in charts(at)  # no attention: no weights to draw
    assert "training_s2s_positions" in charts(at)
    at = new_app({"task": str(S2S), "s2slen": "500"})
    at.switch_page(PAGE)
    at.run()
    check_no_exception(at)
    assert at.warning and the_run(at).task.seq_len == ct.Settings.length


@pytest.mark.torch
@pytest.mark.parametrize("context", ["transform", "additive", "mean"])
def test_the_torch_snippet_loads_the_encoder_decoder_weights(torch, context, tmp_path,
                                                             monkeypatch):
    settings = ct.Settings(task="seq2seq", cell="gru", hidden_size=8, context=context,
                           length=4)
    run = ct.TrainRun(settings)
    (tmp_path / "rnn_weights.npz").write_bytes(ct.weights_npz(run))
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(ct.torch_snippet(run), scope)  # our own generated code, as the page shows it
    theirs = {k: v.detach().numpy() for k, v in scope["net"].state_dict().items()}
    ours = run.trainer.net.state_dict()
    assert sorted(theirs) == sorted(ours)
    for k in ours:
        np.testing.assert_array_equal(theirs[k], ours[k])


@pytest.mark.parametrize("lang", [0, 1])
def test_written_examples_keep_their_columns_in_both_languages(lang):
    """The symbols of every row start in one display column (Chinese labels are two columns
    per character), and each ^ sits under a wrong symbol of the trained row."""
    run = ct.TrainRun(ct.Settings(task="seq2seq", length=5))
    run.trainer.run(3)
    names = (s("tr.s2s_read", lang), s("tr.target", lang), s("tr.before", lang),
             s("tr.after", lang, step=3))
    now = run.now()
    for b, block in enumerate(ct.s2s_examples(run, run.before, now, names).split("\n\n")):
        rows = block.split("\n")
        starts = {ct.text_width(row[:len(name)]) + len(row[len(name):]) -
                  len(row[len(name):].lstrip()) for row, name in zip(rows, names, strict=False)}
        assert len(starts) == 1, block
        col = starts.pop()
        wrong = np.argmax(now.logits[:, b], -1) != run.eval_y[:, b]
        if wrong.any():  # the marks row is ASCII: an index is a display column
            assert [i for i, c in enumerate(rows[4]) if c == "^"] == [
                col + 2 * j for j in np.flatnonzero(wrong)], block
        else:
            assert len(rows) == 4
