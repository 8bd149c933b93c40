"""rnn_core.sequences: the input signals and text encodings the app feeds to the RNN."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnn_core import sequences
from rnn_core.sequences import SOURCES, generate, one_hot_text, text_targets


def theta(t, b, i, D, freq, phase):
    """The module docstring's phase, written out by hand."""
    return 2 * math.pi * freq * t + phase + 2 * math.pi * i / D + 0.5 * b


def test_sources_are_the_six_the_app_offers():
    assert SOURCES == ("sine", "square", "sawtooth", "noise", "random_walk", "impulse")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_source_has_shape_t_b_d_and_the_dtype(source, dtype):
    x = generate(source, 7, D=3, B=2, noise=0.1, impulse_step=6, dtype=dtype)
    assert x.shape == (7, 2, 3)
    assert x.dtype == np.dtype(dtype)
    assert np.all(np.isfinite(x))


@pytest.mark.parametrize("source", SOURCES)
def test_same_arguments_give_identical_arrays(source):
    kw = dict(D=2, B=3, freq=0.2, amplitude=1.5, phase=0.3, noise=0.2, impulse_step=4, seed=7)
    assert np.array_equal(generate(source, 9, **kw), generate(source, 9, **kw))


@pytest.mark.parametrize("source", ["noise", "random_walk"])
def test_random_sources_change_with_the_seed(source):
    assert not np.array_equal(generate(source, 20, seed=1), generate(source, 20, seed=2))


@pytest.mark.parametrize("t,b,i", [(0, 0, 0), (3, 0, 1), (5, 1, 2), (11, 2, 0)])
def test_sine_matches_the_formula_at_points(t, b, i):
    x = generate("sine", 12, D=3, B=3, freq=0.07, amplitude=2.0, phase=0.4)
    expected = 2.0 * math.sin(theta(t, b, i, 3, 0.07, 0.4))
    assert x[t, b, i] == pytest.approx(expected, abs=1e-14)


def test_features_and_samples_differ_by_their_phase_shifts():
    x = generate("sine", 4, D=4, B=2, freq=0.1)
    # feature 1 is feature 0 a quarter cycle later: sin(a + pi/2) = cos(a)
    a = 2 * np.pi * 0.1 * np.arange(4)
    np.testing.assert_allclose(x[:, 0, 1], np.cos(a), atol=1e-14)
    np.testing.assert_allclose(x[:, 1, 0], np.sin(a + 0.5), atol=1e-14)


def test_square_is_plus_minus_amplitude_with_plus_where_the_sine_is_zero():
    x = generate("square", 8, freq=0.25, amplitude=3.0)[:, 0, 0]
    # theta = pi/2 t: sin = 0, 1, ~0, -1, ~0, 1, ...; sin(0) is exactly 0 -> +A
    assert x[0] == 3.0
    assert x[1] == 3.0 and x[3] == -3.0 and x[7] == -3.0
    assert set(np.unique(x)) <= {-3.0, 3.0}
    s = np.sin(2 * np.pi * 0.25 * np.arange(8))
    np.testing.assert_array_equal(x, np.where(s >= 0, 3.0, -3.0))


def test_sawtooth_rises_from_minus_amplitude_and_wraps():
    x = generate("sawtooth", 12, freq=0.1, amplitude=2.0)[:, 0, 0]
    expected = 2.0 * (2 * ((np.arange(12) * 0.1) % 1.0) - 1)
    np.testing.assert_allclose(x, expected, atol=1e-12)
    assert x[0] == -2.0
    assert np.all(np.diff(x[:10]) > 0) and x[10] < x[9]  # rises, then drops back at t = 10


@given(phase=st.floats(-50, 50), freq=st.floats(1e-6, 0.5), amp=st.floats(0.001, 1e3),
       dtype=st.sampled_from([np.float32, np.float64]), D=st.integers(1, 4))
def test_sawtooth_stays_in_half_open_interval(phase, freq, amp, dtype, D):
    x = generate("sawtooth", 30, D=D, B=2, freq=freq, amplitude=amp, phase=phase, dtype=dtype)
    a = np.asarray(amp, dtype=dtype)
    assert np.all(x >= -a) and np.all(x < a)


def test_noise_source_is_gaussian_with_std_amplitude():
    x = generate("noise", 20000, amplitude=0.5, seed=3)
    assert abs(x.mean()) < 0.02
    assert x.std() == pytest.approx(0.5, rel=0.03)


def test_random_walk_is_the_cumulative_sum_of_the_noise_source():
    kw = dict(D=2, B=3, amplitude=0.7, seed=11)
    walk = generate("random_walk", 50, **kw)
    steps = generate("noise", 50, **kw)
    np.testing.assert_array_equal(walk, np.cumsum(steps, axis=0))


@pytest.mark.parametrize("step", [0, 4, 9])
def test_impulse_is_amplitude_at_its_step_and_zero_elsewhere(step):
    x = generate("impulse", 10, D=3, B=2, amplitude=2.5, impulse_step=step)
    assert np.all(x[step] == 2.5)
    assert np.count_nonzero(x) == 6
    assert np.argmax(x[:, 1, 2]) == step


def test_added_noise_is_seeded_and_independent_per_sample():
    clean = generate("sine", 40, B=2, freq=0.05)
    noisy = generate("sine", 40, B=2, freq=0.05, noise=0.3, seed=5)
    diff = noisy - clean
    assert not np.allclose(diff[:, 0], diff[:, 1])
    assert diff.std() == pytest.approx(0.3, rel=0.25)
    np.testing.assert_array_equal(noisy, generate("sine", 40, B=2, freq=0.05, noise=0.3, seed=5))


def test_zero_noise_leaves_the_random_sources_draws_unchanged():
    np.testing.assert_array_equal(generate("noise", 5, seed=2), generate("noise", 5, seed=2,
                                                                          noise=0.0))


def test_phases_helper_matches_the_docstring_formula():
    th = sequences.phases(5, D=2, B=3, freq=0.2, phase=-1.0)
    assert th.shape == (5, 3, 2)
    assert th[4, 2, 1] == pytest.approx(theta(4, 2, 1, 2, 0.2, -1.0))


@pytest.mark.parametrize("args,kwargs,fragments", [
    (("cosine", 5), {}, ["source", "sine", "'cosine'"]),
    (("sine", 0), {}, ["T", ">= 1", "0"]),
    (("sine", 5), {"D": 0}, ["D", ">= 1"]),
    (("sine", 5), {"B": 2.0}, ["B", "integer"]),
    (("sine", 5), {"freq": 0.0}, ["freq", "> 0.0", "got 0.0"]),
    (("sine", 5), {"freq": 0.6}, ["freq", "<= 0.5", "got 0.6"]),
    (("sine", 5), {"freq": float("nan")}, ["freq", "finite"]),
    (("sine", 5), {"amplitude": -1.0}, ["amplitude", ">= 0.0", "-1.0"]),
    (("sine", 5), {"noise": -0.1}, ["noise", ">= 0.0"]),
    (("sine", 5), {"phase": "0"}, ["phase", "real number"]),
    (("impulse", 5), {"impulse_step": 5}, ["impulse_step", "[0, 4]", "got 5"]),
    (("impulse", 5), {"impulse_step": -1}, ["impulse_step", "[0, 4]", "got -1"]),
    (("sine", 5), {"seed": -1}, ["seed", ">= 0"]),
    (("sine", 5), {"dtype": np.int32}, ["dtype", "float32 or float64"]),
])
def test_bad_arguments_raise_value_error_naming_expected_and_given(args, kwargs, fragments):
    with pytest.raises(ValueError) as info:
        generate(*args, **kwargs)
    for f in fragments:
        assert f in str(info.value)


def test_one_hot_text_rows_pick_each_character_in_a_sorted_vocab():
    x, vocab = one_hot_text("hello")
    assert vocab == ["e", "h", "l", "o"]
    assert x.shape == (5, 4) and x.dtype == np.float64
    np.testing.assert_array_equal(x[0], [0, 1, 0, 0])  # h
    np.testing.assert_array_equal(x[2], x[3])  # l, l
    assert "".join(vocab[k] for k in x.argmax(axis=1)) == "hello"
    np.testing.assert_array_equal(x.sum(axis=1), 1.0)


def test_one_hot_text_reads_any_unicode_character():
    x, vocab = one_hot_text("循环网络")
    assert x.shape == (4, 4) and vocab == sorted("循环网络")


def test_text_targets_are_the_next_characters_wrapping_at_the_end():
    _, vocab = one_hot_text("hello")
    y = text_targets("hello", vocab)
    assert y.dtype == np.int64
    assert [vocab[k] for k in y] == list("elloh")


@pytest.mark.parametrize("call,fragments", [
    (lambda: one_hot_text(""), ["text", "at least 1", "empty"]),
    (lambda: one_hot_text(b"ab"), ["text", "str", "bytes"]),
    (lambda: text_targets("", ["a"]), ["text", "at least 1"]),
    (lambda: text_targets("abz", ["a", "b"]), ["vocab", "'z'"]),
])
def test_text_errors_name_expected_and_given(call, fragments):
    with pytest.raises(ValueError) as info:
        call()
    for f in fragments:
        assert f in str(info.value)
