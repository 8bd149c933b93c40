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
from apptest_util import chart, charts, check_no_exception, new_app, texts

from rnn_core import train
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
