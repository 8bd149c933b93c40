"""Trained weights a user uploads: parsed without pickle, checked against the configuration,
adopted on request, and then every chart shows those weights' numbers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from apptest_util import app_config, button_by_label, chart, heatmap_z, open_page

import rnn_core
from ui.compute import compute_run
from ui.config import Config
from ui.data_input import DataError
from ui.export import weights_npz
from ui.weights_input import check_against, infer_sizes, parse_weights_npz


def npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_the_apps_own_download_reads_back_with_its_sizes():
    run = compute_run(Config(hidden_size=8, num_layers=2, bidirectional=True, output_size=3))
    state = parse_weights_npz(weights_npz(run))
    assert infer_sizes(state) == dict(input_size=3, hidden_size=8, num_layers=2,
                                      bidirectional=True, bias=True, output_size=3)
    for name, value in run.params.items():
        np.testing.assert_array_equal(state[name], value)


def test_a_torch_state_dict_saved_with_savez_reads(torch):
    rnn = torch.nn.RNN(4, 6, num_layers=2)
    state = parse_weights_npz(npz(**{k: v.detach().numpy() for k, v in rnn.state_dict().items()}))
    assert infer_sizes(state)["hidden_size"] == 6 and infer_sizes(state)["num_layers"] == 2


@pytest.mark.parametrize("data, key", [
    (b"not a zip at all", "wt.not_npz"),
    (npz(weight_ih_l0=np.array([object()], dtype=object)), "wt.pickle"),
    (npz(weight_ih_l0=np.array([[np.inf]])), "wt.nonfinite"),
    (npz(weight_ih_l0=np.array([["a"]])), "wt.bad_dtype"),
    (npz(evil=np.zeros(2)), "wt.unknown_name"),
    (npz(head=np.zeros(2)), "wt.unknown_name"),
    (npz(**{"head.weight": np.zeros((2, 2))}), "wt.no_rnn"),
])
def test_bad_weight_files_are_refused_with_a_reason(data, key):
    with pytest.raises(DataError) as info:
        parse_weights_npz(data)
    assert info.value.key == key


def test_oversized_weight_files_are_refused_before_reading():
    with pytest.raises(DataError) as info:
        parse_weights_npz(b"x" * 101, max_bytes=100)
    assert info.value.key == "wt.too_large" and info.value.params["limit"] == 100


def test_lstm_weights_are_named_as_a_gated_cell():
    lstm = rnn_core.LSTM(3, 5)
    with pytest.raises(DataError) as info:
        infer_sizes(parse_weights_npz(npz(**lstm.state_dict())))
    assert info.value.key == "wt.not_rnn" and info.value.params["rows"] == 20


def test_check_against_names_missing_unexpected_and_misshapen():
    state = {"a": np.zeros((2, 3)), "b": np.zeros(4)}
    problems = check_against(state, {"a": (2, 3), "b": (5,), "c": (1,)})
    assert ("b", (5,), (4,)) in problems and ("c", (1,), None) in problems
    assert ("a", (2, 3), (2, 3)) not in problems


def test_uploaded_weights_are_adopted_and_drive_the_charts():
    source = compute_run(Config(hidden_size=8, seed=5, output_size=3))
    at = open_page("recurrence")
    assert app_config(at).hidden_size == 16
    at.file_uploader(key="w_weights_file").upload("trained.npz", weights_npz(source),
                                                  "application/octet-stream").run()
    assert not at.exception
    assert any("trained.npz" in e.value for e in at.error), [e.value for e in at.error]
    assert app_config(at).hidden_size == 16  # nothing changes until the learner says so
    button_by_label(at, "H = 8").click().run()
    assert not at.exception
    cfg = app_config(at)
    assert (cfg.hidden_size, cfg.output_size, cfg.weights) == (8, 3, cfg.weights) and cfg.weights
    z = heatmap_z(chart(at, "rec_heat_0")["data"][0])
    # seed 0's own draw would differ: these are the uploaded (seed 5) weights' states
    np.testing.assert_allclose(z, source.layers[0][0].h[:, 0].T, rtol=1e-12, atol=1e-15)
    other = compute_run(Config(hidden_size=8, output_size=3))
    assert not np.allclose(z, other.layers[0][0].h[:, 0].T)


def test_changing_a_size_drops_weights_that_no_longer_fit():
    source = compute_run(Config(seed=5))  # the default sizes: fits at once
    at = open_page("recurrence")
    at.file_uploader(key="w_weights_file").upload("w.npz", weights_npz(source),
                                                  "application/octet-stream").run()
    assert app_config(at).weights
    at.number_input(key="w_hidden_size").set_value(12).run()
    assert not at.exception
    assert app_config(at).hidden_size == 12 and not app_config(at).weights
    assert any("w.npz" in e.value for e in at.error)


def test_the_gradients_view_runs_the_uploaded_weights_as_trained_or_rescaled():
    """The Gradients view's vanilla RNN is the uploaded network: its W_hh as uploaded by
    default (the metric shows that W_hh's spectral radius), or rescaled on request."""
    from rnn_core import diagnostics
    from ui.compute import make_h0, make_input

    source = compute_run(Config(seed=5))  # the default sizes: adopted at once
    state = parse_weights_npz(weights_npz(source))
    at = open_page("recurrence")
    at.file_uploader(key="w_weights_file").upload("w.npz", weights_npz(source),
                                                  "application/octet-stream").run()
    cfg = app_config(at)
    assert cfg.weights
    at.switch_page("pages/3_gradients.py").run()
    assert not at.exception
    assert at.selectbox(key="w_gradients_whh").value == 0  # as uploaded
    assert "w_gradients_scale" not in [s.key for s in at.slider]  # no target to set
    radius = rnn_core.init.spectral_radius(state["weight_hh_l0"])
    assert at.metric[0].value == f"{radius:.2f}"

    def expected(scale: float | None) -> np.ndarray:
        model = rnn_core.RNN(cfg.input_size, cfg.hidden_size)
        model.load_state_dict({k: v for k, v in state.items() if not k.startswith("head.")})
        if scale is not None:
            model.scale_recurrent(scale)
        head = rnn_core.Linear(cfg.hidden_size, cfg.output_size)
        head.load_state_dict({"weight": state["head.weight"], "bias": state["head.bias"]})
        x, _, _ = make_input(cfg)
        return diagnostics.bptt(model, head, x, make_h0(cfg, 1), "ce_last").dh[:, 0]

    z = heatmap_z(chart(at, "gr_heat_rnn")["data"][0])
    np.testing.assert_allclose(z, expected(None).T, rtol=1e-12, atol=1e-15)
    at.selectbox(key="w_gradients_whh").set_value(1).run()  # rescaled to the target, 0.9
    assert not at.exception and not at.slider(key="w_gradients_scale").disabled  # now drawn
    z = heatmap_z(chart(at, "gr_heat_rnn")["data"][0])
    np.testing.assert_allclose(z, expected(0.9).T, rtol=1e-12, atol=1e-15)
    assert not np.allclose(expected(0.9), expected(None))


@pytest.mark.parametrize("how", ["remove", "reset"])
def test_removed_weights_stay_removed(how):
    """Remove (or Reset all settings) drops the uploaded weights for good: the uploader is
    emptied too, so the next run does not read the file again and bring them back."""
    from ui.i18n import STRINGS

    source = compute_run(Config(seed=5))
    at = open_page("recurrence")
    at.file_uploader(key="w_weights_file").upload("w.npz", weights_npz(source),
                                                  "application/octet-stream").run()
    assert app_config(at).weights
    label = STRINGS["wt.remove" if how == "remove" else "side.reset"][0]
    button_by_label(at, label).click().run()
    assert not at.exception and not app_config(at).weights
    at.run()
    assert not app_config(at).weights
    z = heatmap_z(chart(at, "rec_heat_0")["data"][0])
    own = compute_run(Config())  # the seeded draw again
    np.testing.assert_allclose(z, own.layers[0][0].h[:, 0].T, rtol=1e-12, atol=1e-15)
