"""The Architectures and Encoder-decoder views under AppTest: every architecture, readout, feed
and context selected in turn runs without an exception, and the charts hold the numbers the
core computes (decoded from the JSON the browser gets). Page widgets are addressed by key,
"w_<page>_<name>"."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from apptest_util import chart, charts, check_no_exception, heatmap_z, new_app, trace

from rnn_core import seq2seq
from ui.compute import make_input
from ui.compute_arch import (
    ARCHS,
    BOTTLENECK,
    CONTEXT_MODES,
    FEEDS,
    ONE_FEEDS,
    READOUTS,
    ArchSettings,
    compute_arch,
)
from ui.config import DEFAULT
from ui.i18n import STRINGS

ARCH_PAGE = "pages/4_architectures.py"
ED_PAGE = "pages/5_encoder_decoder.py"
CONTEXTS = tuple(CONTEXT_MODES)


def open_view(page: str, query: dict | None = None):
    at = new_app(query)
    at.run()
    check_no_exception(at)
    at.switch_page(page).run()
    check_no_exception(at)
    return at


def select(at, key: str, index: int):
    at.selectbox(key=key).set_value(index).run()
    check_no_exception(at)
    return at


@pytest.fixture(scope="module")
def arch_view():
    return open_view(ARCH_PAGE)


@pytest.fixture(scope="module")
def ed_view():
    return open_view(ED_PAGE)


# ---------------------------------------------------------------------------------------------
# Architectures
# ---------------------------------------------------------------------------------------------

def test_architectures_page_runs_with_its_title(arch_view):
    assert arch_view.title[0].value == STRINGS["ar.title"][0]
    assert {"ar_diagram", "ar_input", "ar_output", "ar_hidden_0_0"} <= set(charts(arch_view))


def test_n_to_n_charts_hold_the_computed_numbers(arch_view):
    x, _, _ = make_input(DEFAULT)
    m = seq2seq.ManyToMany(x.shape[2], DEFAULT.hidden_size, DEFAULT.output_size,
                           seed=DEFAULT.seed)
    y = m.forward(x)
    np.testing.assert_allclose(heatmap_z(chart(arch_view, "ar_output")["data"][0]), y[:, 0].T)
    np.testing.assert_allclose(heatmap_z(chart(arch_view, "ar_hidden_0_0")["data"][0]),
                               m.output[:, 0].T)
    np.testing.assert_allclose(heatmap_z(chart(arch_view, "ar_input")["data"][0]), x[:, 0].T)


@pytest.mark.parametrize("arch", range(len(ARCHS)))
def test_every_architecture_selected_in_turn_runs(arch):
    at = open_view(ARCH_PAGE)
    select(at, "w_architectures_arch", arch)
    name = ARCHS[arch]
    fig = chart(at, "ar_diagram")
    kinds = {tr["name"] for tr in fig["data"]}
    assert "hidden" in kinds and "output" in kinds
    if name == "n_to_m":
        assert "context" in kinds and "decoder" in kinds
        assert "ar_decoder" in charts(at)
    run = compute_arch(DEFAULT, ArchSettings(arch=name))
    out = chart(at, "ar_output")
    if name == "n_to_1":
        np.testing.assert_allclose(np.asarray(trace(out, "y")["y"], float), run.y)
    else:
        np.testing.assert_allclose(heatmap_z(out["data"][0]), run.y.T)
    # the shapes table: torch's (T, B, ...) with this configuration's sizes
    table = at.dataframe[0].value
    shapes = dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))
    assert shapes["h_n"] == str((1, 1, DEFAULT.hidden_size))


@pytest.mark.parametrize("readout", range(len(READOUTS)))
def test_n_to_1_readouts(readout):
    at = open_view(ARCH_PAGE, {"arch": "1", "readout": str(readout)})
    run = compute_arch(DEFAULT, ArchSettings(arch="n_to_1", readout=READOUTS[readout]))
    np.testing.assert_allclose(np.asarray(trace(chart(at, "ar_output"), "y")["y"], float), run.y)
    kinds = {tr["name"] for tr in chart(at, "ar_diagram")["data"]}
    assert ("pool" in kinds) == (READOUTS[readout] != "last")


@pytest.mark.parametrize("feed", range(len(ONE_FEEDS)))
def test_one_to_n_feeds_the_input_first_or_everywhere(feed):
    at = open_view(ARCH_PAGE, {"arch": "2", "feed": str(feed)})
    z = heatmap_z(chart(at, "ar_input")["data"][0])  # (D, T): what the RNN read
    x, _, _ = make_input(DEFAULT)
    np.testing.assert_allclose(z[:, 0], x[0, 0])
    if ONE_FEEDS[feed] == "first":
        assert not z[:, 1:].any()
        assert any(tr["name"] == "zero" for tr in chart(at, "ar_diagram")["data"])
    else:
        np.testing.assert_allclose(z, np.repeat(x[0, 0][:, None], z.shape[1], 1))


def test_bidirectional_stacked_draws_every_layer_direction_and_the_concatenation():
    at = open_view(ARCH_PAGE, {"bidir": "1", "layers": "2"})
    found = charts(at)
    assert {"ar_hidden_0_0", "ar_hidden_0_1", "ar_hidden_1_0", "ar_hidden_1_1",
            "ar_concat"} <= set(found)
    cfg = replace(DEFAULT, bidirectional=True, num_layers=2)
    run = compute_arch(cfg, ArchSettings())
    h = heatmap_z(found["ar_hidden_1_0"]["data"][0]).T
    g = heatmap_z(found["ar_hidden_1_1"]["data"][0]).T
    both = heatmap_z(found["ar_concat"]["data"][0]).T  # (T, 2H) = [h_t; g_t]
    np.testing.assert_allclose(both, np.concatenate([h, g], axis=1))
    np.testing.assert_allclose(both, run.output)
    # the upper layer reads the lower one's states: its input is [h_t; g_t] of layer 1
    assert any("o_t = V" in (el.value or "") for el in at.get("latex"))
    kinds = [tr["name"] for tr in found["ar_diagram"]["data"]]
    assert "backward" in kinds


def test_architectures_page_in_chinese():
    at = open_view(ARCH_PAGE, {"lang": "zh"})
    assert at.title[0].value == STRINGS["ar.title"][1]


def test_output_steps_control_sets_m():
    at = open_view(ARCH_PAGE, {"arch": "3"})
    at.number_input(key="w_architectures_M").set_value(9).run()
    check_no_exception(at)
    assert heatmap_z(chart(at, "ar_output")["data"][0]).shape[1] == 9
    assert at.query_params["M"] == ["9"] or at.query_params["M"] == "9"


# ---------------------------------------------------------------------------------------------
# Encoder-decoder
# ---------------------------------------------------------------------------------------------

def test_encoder_decoder_page_runs_with_its_title(ed_view):
    assert ed_view.title[0].value == STRINGS["ed.title"][0]
    assert {"ed_diagram", "ed_states", "ed_probs"} <= set(charts(ed_view))


def test_states_chart_holds_encoder_c_and_decoder(ed_view):
    run = compute_arch(DEFAULT, ArchSettings(arch="n_to_m"))
    fig = chart(ed_view, "ed_states")
    np.testing.assert_allclose(heatmap_z(trace(fig, "encoder")).T, run.s2s.enc_output)
    np.testing.assert_allclose(np.asarray(trace(fig, "c")["x"], float), run.s2s.context[0])
    np.testing.assert_allclose(heatmap_z(trace(fig, "decoder")).T, run.s2s.dec_states)
    # c = h_N and the decoder starts from it
    np.testing.assert_allclose(run.s2s.context[0], run.s2s.enc_output[-1])
    np.testing.assert_allclose(run.s2s.s0, run.s2s.enc_output[-1])


@pytest.mark.parametrize("context", range(len(CONTEXTS)))
@pytest.mark.parametrize("feed", range(len(FEEDS)))
def test_every_context_and_feed_selected_in_turn(context, feed):
    at = open_view(ED_PAGE, {"context": str(context), "feed": str(feed)})
    name, fname = CONTEXTS[context], FEEDS[feed]
    attend = CONTEXT_MODES[name][0] == "attention"
    if attend and fname == "init":  # refused with what is allowed, shown as "both"
        assert any(STRINGS["ed.attention_init"][0][:40] in w.value for w in at.warning)
        fname = "both"
    run = compute_arch(DEFAULT, ArchSettings(arch="n_to_m", context=name, feed=fname))
    found = charts(at)
    np.testing.assert_allclose(heatmap_z(trace(found["ed_states"], "decoder")).T,
                               run.s2s.dec_states)
    if attend:
        alpha = heatmap_z(found["ed_attention"]["data"][0])
        np.testing.assert_allclose(alpha, run.s2s.alpha)
        np.testing.assert_allclose(alpha.sum(axis=1), 1.0)
        assert alpha.shape == (6, DEFAULT.seq_len)  # M x N
    else:
        assert "ed_attention" not in found


def test_attention_step_slider_moves_the_drawn_context():
    at = open_view(ED_PAGE, {"context": "4", "feed": "1"})
    at.slider(key="w_encoder_decoder_step").set_value(4).run()
    check_no_exception(at)
    run = compute_arch(DEFAULT, ArchSettings(arch="n_to_m", context="dot", feed="input"))
    c = np.asarray(trace(chart(at, "ed_states"), "c")["x"], float)
    np.testing.assert_allclose(c, run.s2s.context[3])
    assert not np.allclose(run.s2s.context[3], run.s2s.context[0])


def test_n_and_m_are_independent():
    at = open_view(ED_PAGE, {"T": "9", "M": "13", "context": "4", "feed": "1"})
    alpha = heatmap_z(chart(at, "ed_attention")["data"][0])
    assert alpha.shape == (13, 9)


def test_text_tokens_label_the_attention_axes():
    at = open_view(ED_PAGE, {"src": "text", "text": "abcab", "context": "5", "feed": "2"})
    fig = chart(at, "ed_attention")
    assert fig["layout"]["xaxis"]["ticktext"] == list("abcab")
    assert heatmap_z(fig["data"][0]).shape[1] == 5  # repeated tokens keep their own columns


def test_bottleneck_chart_reads_the_benchmarks_json(ed_view):
    raw = json.loads(BOTTLENECK.read_text(encoding="utf-8"))
    fig = chart(ed_view, "ed_bottleneck")
    task = raw["tasks"][0]
    for name, ctx in ((STRINGS["ed.bn_last"][0], "last"),
                      (STRINGS["ed.bn_attention"][0], "attention")):
        want = [next(r["token_accuracy"] for r in raw["results"] if r["task"] == task
                     and r["context"] == ctx and r["N"] == n) for n in raw["lengths"]]
        np.testing.assert_allclose(np.asarray(trace(fig, name)["y"], float), want)
    ex = chart(ed_view, "ed_trained_attention")
    np.testing.assert_allclose(heatmap_z(ex["data"][0]), raw["example"]["alpha"])


def test_bottleneck_measurements_show_the_bottleneck():
    """The benchmark's result, not a drawing: at the longest N attention beats c = h_N on both
    tasks, and c = h_N loses accuracy as N grows."""
    raw = json.loads(BOTTLENECK.read_text(encoding="utf-8"))
    n_max = max(raw["lengths"])
    for task in raw["tasks"]:
        acc = {(r["context"], r["N"]): r["token_accuracy"] for r in raw["results"]
               if r["task"] == task}
        assert acc[("attention", n_max)] > acc[("last", n_max)] + 0.2
        assert acc[("last", min(raw["lengths"]))] > acc[("last", n_max)]


def test_encoder_decoder_page_in_chinese():
    at = open_view(ED_PAGE, {"lang": "zh", "context": "4"})
    assert at.title[0].value == STRINGS["ed.title"][1]
    assert not at.exception


@pytest.mark.parametrize("page", [ARCH_PAGE, ED_PAGE])
def test_overflow_is_a_warning_not_an_exception(page):
    at = open_view(page, {"act": "relu", "rho": "3", "T": "2000", "hidden": "64"})
    assert not at.exception
    assert any(STRINGS["ar.overflow"][0][:30] in w.value for w in at.warning)
