"""Every error a caller can cause is a ValueError whose message names what was expected and what
was given (the app shows these messages to the learner as they are)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import rnn_core
from rnn_core import RNN, Linear, init


def esc(text: str) -> str:
    return re.escape(text)


def shape_text(shape) -> str:
    """A shape as the core's messages print it, as Python writes a tuple: (5, 2, 3), (3,)."""
    return str(tuple(shape))


# Sizes used throughout: D = 3, H = 4, T = 5, B = 2.

@pytest.fixture
def rnn():
    return RNN(3, 4)


# -- the input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("batch_first,shape,expected", [
    (False, (3,), "expected 3 dimensions (T, B, D) or 2 dimensions (T, D)"),
    (False, (1, 5, 2, 3), "expected 3 dimensions (T, B, D) or 2 dimensions (T, D)"),
    (True, (1, 5, 2, 3), "expected 3 dimensions (B, T, D) or 2 dimensions (T, D)"),
], ids=["rank1", "rank4", "rank4_batch_first"])
def test_input_of_the_wrong_rank_is_refused(batch_first, shape, expected):
    ndim = len(shape)
    given = shape_text(shape)
    with pytest.raises(ValueError, match=esc(f"input: {expected}") + ".*"
                       + esc(f"got {ndim} with shape {given}")):
        RNN(3, 4, batch_first=batch_first)(np.zeros(shape))


@pytest.mark.parametrize("batch_first,shape,expected", [
    (False, (5, 2, 4), "expected shape (T, B, 3)"),
    (True, (2, 5, 4), "expected shape (B, T, 3)"),
    (False, (5, 4), "expected shape (T, 3)"),
    (False, (5, 2, 0), "expected shape (T, B, 3)"),
], ids=["seq_first", "batch_first", "unbatched", "no_features"])
def test_input_with_the_wrong_feature_size_is_refused(batch_first, shape, expected):
    given = shape_text(shape)
    with pytest.raises(ValueError, match=esc(f"input: {expected}") + ".*" + esc(f"got {given}")):
        RNN(3, 4, batch_first=batch_first)(np.zeros(shape))


@pytest.mark.parametrize("shape", [(0, 2, 3), (5, 0, 3), (0, 3)], ids=["T0", "B0", "unbatched_T0"])
def test_empty_sequence_or_batch_is_refused(rnn, shape):
    given = shape_text(shape)
    with pytest.raises(ValueError, match=r"input: expected shape .*>= 1, got " + esc(given)):
        rnn(np.zeros(shape))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_refused_with_its_value_and_index(rnn, bad):
    x = np.zeros((5, 2, 3))
    x[3, 1, 2] = bad
    with pytest.raises(ValueError, match=esc(f"input: expected finite values, got {bad} at "
                                             "index (3, 1, 2)")):
        rnn(x)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_h0_is_refused_with_its_value_and_index(rnn, bad):
    h0 = np.zeros((1, 2, 4))
    h0[0, 1, 3] = bad
    with pytest.raises(ValueError, match=esc(f"h0: expected finite values, got {bad} at index "
                                             "(0, 1, 3)")):
        rnn(np.zeros((5, 2, 3)), h0)


@pytest.mark.parametrize("value,given", [
    (np.array([[["a", "b", "c"]]]), "got dtype <U1"),
    (np.zeros((5, 2, 3), dtype=complex), "real numbers, got dtype complex128"),
    ([[[1.0, 2.0, 3.0]], [[1.0, 2.0]]], "got list that NumPy cannot read as one"),
    (np.array([[[None, 1, 2]]], dtype=object), "got dtype object"),
], ids=["text", "complex", "ragged", "object"])
def test_input_that_is_not_a_real_numeric_array_is_refused(rnn, value, given):
    with pytest.raises(ValueError, match=r"input: expected .*" + esc(given)):
        rnn(value)


# -- h0 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("rnn_kwargs,x_shape,h0_shape,expected", [
    ({}, (5, 2, 3), (1, 3, 4), "(1, 2, 4) (L*K, B, H)"),  # wrong batch
    ({"num_layers": 2, "bidirectional": True}, (5, 2, 3), (2, 2, 4), "(4, 2, 4) (L*K, B, H)"),
    ({}, (5, 2, 3), (1, 4), "(1, 2, 4) (L*K, B, H)"),  # unbatched h0 for a batch
    ({}, (5, 3), (1, 1, 4), "(1, 4) (L*K, H)"),  # batched h0 for an unbatched sequence
    ({}, (5, 2, 3), (1, 2, 5), "(1, 2, 4) (L*K, B, H)"),  # wrong hidden size
    ({"batch_first": True}, (2, 5, 3), (1, 5, 4), "(1, 2, 4) (L*K, B, H)"),
], ids=["batch", "layers_directions", "rank2_for_batch", "rank3_for_unbatched", "hidden",
        "batch_first_uses_B"])
def test_h0_of_the_wrong_shape_is_refused(rnn_kwargs, x_shape, h0_shape, expected):
    given = shape_text(h0_shape)
    with pytest.raises(ValueError, match=esc(f"h0: expected shape {expected}") + ".*"
                       + esc(f"got {given}")):
        RNN(3, 4, **rnn_kwargs)(np.zeros(x_shape), np.zeros(h0_shape))


# -- backward --------------------------------------------------------------------------------

def test_backward_before_any_forward_is_refused(rnn):
    with pytest.raises(ValueError, match="backward: expected a forward call first, got none"):
        rnn.backward(np.zeros((5, 2, 4)))


@pytest.mark.parametrize("change", ["load_state_dict", "reset_parameters", "scale_recurrent"])
def test_backward_after_the_parameters_changed_is_refused(rnn, change):
    rnn(np.ones((5, 2, 3)))
    if change == "load_state_dict":
        rnn.load_state_dict(rnn.state_dict())
    elif change == "reset_parameters":
        rnn.reset_parameters(seed=1)
    else:
        rnn.scale_recurrent(0.9)
    with pytest.raises(ValueError, match="backward: expected a forward call first, got none"):
        rnn.backward(np.zeros((5, 2, 4)))


@pytest.mark.parametrize("rnn_kwargs,x_shape,g_shape,expected", [
    ({}, (5, 2, 3), (5, 2, 5), "(5, 2, 4)"),
    ({}, (5, 2, 3), (2, 5, 4), "(5, 2, 4)"),  # the batch-first layout for a seq-first RNN
    ({"batch_first": True}, (2, 5, 3), (5, 2, 4), "(2, 5, 4)"),
    ({"bidirectional": True}, (5, 2, 3), (5, 2, 4), "(5, 2, 8)"),
    ({}, (5, 3), (5, 1, 4), "(5, 4)"),
], ids=["hidden", "layout", "batch_first", "bidirectional", "unbatched"])
def test_grad_output_that_does_not_match_the_output_is_refused(rnn_kwargs, x_shape, g_shape,
                                                               expected):
    r = RNN(3, 4, **rnn_kwargs)
    r(np.ones(x_shape))
    given = shape_text(g_shape)
    with pytest.raises(ValueError, match=esc(f"grad_output: expected shape {expected} (the "
                                             f"shape of forward's output), got {given}")):
        r.backward(np.zeros(g_shape))


@pytest.mark.parametrize("x_shape,g_shape,expected", [
    ((5, 2, 3), (2, 4), "(1, 2, 4)"),
    ((5, 2, 3), (1, 3, 4), "(1, 2, 4)"),
    ((5, 3), (1, 1, 4), "(1, 4)"),
], ids=["rank2", "batch", "unbatched"])
def test_grad_h_n_of_the_wrong_shape_is_refused(rnn, x_shape, g_shape, expected):
    out, _ = rnn(np.ones(x_shape))
    given = shape_text(g_shape)
    with pytest.raises(ValueError, match=esc(f"grad_h_n: expected shape {expected} (the shape "
                                             f"of forward's h_n), got {given}")):
        rnn.backward(np.zeros_like(out), np.zeros(g_shape))


@pytest.mark.parametrize("which", ["grad_output", "grad_h_n"])
def test_non_finite_gradients_are_refused(rnn, which):
    out, h_n = rnn(np.ones((5, 2, 3)))
    g_out, g_hn = np.zeros_like(out), np.zeros_like(h_n)
    (g_out if which == "grad_output" else g_hn)[0, 1, 2] = np.nan
    with pytest.raises(ValueError, match=esc(f"{which}: expected finite values, got nan at "
                                             "index (0, 1, 2)")):
        rnn.backward(g_out, g_hn)


# -- construction ----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,name,given", [
    ({"input_size": 0}, "input_size", "0"),
    ({"hidden_size": -1}, "hidden_size", "-1"),
    ({"num_layers": 0}, "num_layers", "0"),
    ({"input_size": 3.0}, "input_size", "3.0"),
    ({"hidden_size": 2.5}, "hidden_size", "2.5"),
    ({"num_layers": np.float64(2.0)}, "num_layers", "np.float64(2.0)"),
    ({"hidden_size": "4"}, "hidden_size", "'4'"),
    ({"input_size": None}, "input_size", "None"),
    ({"input_size": True}, "input_size", "True"),
    ({"num_layers": False}, "num_layers", "False"),
], ids=["input_size_0", "hidden_size_neg", "num_layers_0", "float", "fraction", "np_float",
        "text", "none", "bool_true", "bool_false"])
def test_sizes_that_are_not_integers_of_at_least_one_are_refused(kwargs, name, given):
    args = {"input_size": 3, "hidden_size": 4, **kwargs}
    with pytest.raises(ValueError, match=esc(f"{name}: expected an integer >= 1, got {given}")):
        RNN(**args)


def test_numpy_integer_sizes_are_accepted():
    r = RNN(np.int64(3), np.int32(4), num_layers=np.int8(2))
    assert (r.input_size, r.hidden_size, r.num_layers) == (3, 4, 2)
    assert type(r.hidden_size) is int


@pytest.mark.parametrize("value", ["sigmoid", "Tanh", None])
def test_unknown_nonlinearity_is_refused(value):
    with pytest.raises(ValueError, match=esc(f"nonlinearity: expected one of ('tanh', 'relu'), "
                                             f"got {value!r}")):
        RNN(3, 4, nonlinearity=value)


def test_unknown_init_is_refused_at_construction_and_in_reset_parameters(rnn):
    expected = "init: expected one of ('torch', 'xavier', 'orthogonal'), got 'kaiming'"
    with pytest.raises(ValueError, match=esc(expected)):
        RNN(3, 4, init="kaiming")
    before = rnn.state_dict()
    with pytest.raises(ValueError, match=esc(expected)):
        rnn.reset_parameters(init="kaiming")
    np.testing.assert_array_equal(rnn.params["weight_hh_l0"], before["weight_hh_l0"])


@pytest.mark.parametrize("dtype,given", [
    (np.float16, "float16"), (np.int32, "int32"), (int, "int64"), ("nonsense", "'nonsense'"),
    (np.complex128, "complex128"), (object, "object"),
])
def test_dtypes_other_than_float32_and_float64_are_refused(dtype, given):
    with pytest.raises(ValueError, match=esc(f"dtype: expected float32 or float64, got {given}")):
        RNN(3, 4, dtype=dtype)
    with pytest.raises(ValueError, match=esc(f"dtype: expected float32 or float64, got {given}")):
        Linear(3, 4, dtype=dtype)


# -- load_state_dict -------------------------------------------------------------------------

def test_load_state_dict_with_missing_names_lists_them(rnn):
    state = rnn.state_dict()
    del state["weight_hh_l0"], state["bias_ih_l0"]
    with pytest.raises(ValueError, match=esc("missing ['weight_hh_l0', 'bias_ih_l0'], "
                                             "unexpected []")):
        rnn.load_state_dict(state)


def test_load_state_dict_with_unexpected_names_lists_them_and_the_expected_ones(rnn):
    state = rnn.state_dict()
    state["weight_ih_l0_reverse"] = state["weight_ih_l0"]
    with pytest.raises(ValueError, match=esc("state_dict: expected the names ['bias_hh_l0', "
                                             "'bias_ih_l0', 'weight_hh_l0', 'weight_ih_l0']; "
                                             "missing [], unexpected ['weight_ih_l0_reverse']")):
        rnn.load_state_dict(state)


def test_load_state_dict_with_a_wrong_shape_names_the_parameter_and_both_shapes(rnn):
    state = rnn.state_dict()
    state["weight_ih_l0"] = state["weight_ih_l0"].T
    with pytest.raises(ValueError, match=esc("weight_ih_l0: expected shape (4, 3), got (3, 4)")):
        rnn.load_state_dict(state)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_load_state_dict_with_non_finite_values_is_refused_and_keeps_the_old_parameters(rnn, bad):
    before = rnn.state_dict()
    state = rnn.state_dict()
    state["bias_hh_l0"][2] = bad
    with pytest.raises(ValueError, match=esc(f"bias_hh_l0: expected finite values, got {bad} at "
                                             "index (2,)")):
        rnn.load_state_dict(state)
    for name, value in rnn.params.items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_load_state_dict_of_something_other_than_a_dict_is_refused(rnn):
    with pytest.raises(ValueError, match=esc("state_dict: expected a dict of arrays, got list")):
        rnn.load_state_dict([rnn.params["weight_ih_l0"]])


# -- trace, grad_trace, step_jacobians --------------------------------------------------------

def test_views_before_their_pass_are_refused(rnn):
    with pytest.raises(ValueError, match="trace: expected a forward call first, got none"):
        rnn.trace()
    with pytest.raises(ValueError, match="step_jacobians: expected a forward call first, got none"):
        rnn.step_jacobians()
    rnn(np.ones((5, 2, 3)))
    with pytest.raises(ValueError, match="grad_trace: expected a backward call first, got none"):
        rnn.grad_trace()


@pytest.mark.parametrize("method", ["trace", "step_jacobians", "grad_trace"])
def test_layer_direction_and_batch_out_of_range_are_refused(method):
    r = RNN(3, 4, num_layers=2)
    out, _ = r(np.ones((5, 2, 3)))
    r.backward(np.ones_like(out))
    view = getattr(r, method)
    with pytest.raises(ValueError, match=esc("layer: expected 0..1, got 2")):
        view(2, 0)
    with pytest.raises(ValueError, match=esc("layer: expected 0..1, got -1")):
        view(-1, 0)
    with pytest.raises(ValueError, match=esc("direction: expected 0..0, got 1")):
        view(0, 1)
    if method == "step_jacobians":
        with pytest.raises(ValueError, match=esc("batch: expected 0..1, got 2")):
            view(0, 0, batch=2)


# -- losses --------------------------------------------------------------------------------------

@pytest.mark.parametrize("target,given", [
    ([0, 3], "got values from 0 to 3"), ([-1, 2], "got values from -1 to 2"),
], ids=["too_large", "negative"])
def test_cross_entropy_with_out_of_range_targets_is_refused(target, given):
    with pytest.raises(ValueError, match=esc(f"target: expected class indices in [0, 2], {given}")):
        rnn_core.cross_entropy(np.zeros((2, 3)), np.array(target))


@pytest.mark.parametrize("target,dtype", [([0.0, 1.0], "float64"), ([True, False], "bool")])
def test_cross_entropy_with_non_integer_targets_is_refused(target, dtype):
    with pytest.raises(ValueError, match=esc(f"target: expected integer class indices, got dtype "
                                             f"{dtype}")):
        rnn_core.cross_entropy(np.zeros((2, 3)), np.array(target))


def test_cross_entropy_with_a_target_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"target: expected shape \(2, 4\) .* got \(4, 2\)"):
        rnn_core.cross_entropy(np.zeros((2, 4, 3)), np.zeros((4, 2), dtype=int))


def test_mse_with_a_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match=esc("target: expected shape (2, 3) (pred's shape), got "
                                             "(3, 2)")):
        rnn_core.mse(np.zeros((2, 3)), np.zeros((3, 2)))


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_unknown_reduction_is_refused(loss):
    args = ((np.zeros((2, 3)), np.zeros(2, dtype=int)) if loss == "cross_entropy"
            else (np.zeros(2), np.zeros(2)))
    with pytest.raises(ValueError, match=esc("reduction: expected one of ('mean', 'sum'), got "
                                             "'none'")):
        getattr(rnn_core, loss)(*args, reduction="none")


# -- Linear --------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(2, 4), (4,), (3, 2, 6)])
def test_linear_with_the_wrong_feature_size_is_refused(shape):
    given = shape_text(shape)
    with pytest.raises(ValueError, match=esc(f"input: expected shape (..., 5) (last axis "
                                             f"in_features), got {given}")):
        Linear(5, 3)(np.zeros(shape))


def test_linear_backward_before_forward_and_with_a_wrong_shape_is_refused():
    lin = Linear(5, 3)
    with pytest.raises(ValueError, match="backward: expected a forward call first, got none"):
        lin.backward(np.zeros((2, 3)))
    lin(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=esc("grad_output: expected shape (2, 3) (the shape of "
                                             "forward's output), got (2, 4)")):
        lin.backward(np.zeros((2, 4)))


@pytest.mark.parametrize("kwargs,name,given", [
    ({"in_features": 0}, "in_features", "0"), ({"out_features": 1.5}, "out_features", "1.5"),
    ({"in_features": True}, "in_features", "True"),
])
def test_linear_sizes_below_one_or_not_integers_are_refused(kwargs, name, given):
    args = {"in_features": 5, "out_features": 3, **kwargs}
    with pytest.raises(ValueError, match=esc(f"{name}: expected an integer >= 1, got {given}")):
        Linear(**args)


def test_linear_load_state_dict_with_wrong_names_or_shapes_is_refused():
    lin = Linear(5, 3)
    with pytest.raises(ValueError, match=esc("state_dict: expected the names ['bias', 'weight'], "
                                             "got ['weight']")):
        lin.load_state_dict({"weight": np.zeros((3, 5))})
    with pytest.raises(ValueError, match=esc("weight: expected shape (3, 5), got (5, 3)")):
        lin.load_state_dict({"weight": np.zeros((5, 3)), "bias": np.zeros(3)})
    with pytest.raises(ValueError, match=esc("bias: expected finite values, got nan")):
        lin.load_state_dict({"weight": np.zeros((3, 5)), "bias": np.array([0, np.nan, 0])})


# -- init and the gradient check -----------------------------------------------------------------

def test_scale_to_refuses_a_negative_or_non_finite_target_and_a_zero_matrix():
    with pytest.raises(ValueError, match=esc("spectral_radius: expected a finite number >= 0, got "
                                             "-1.0")):
        init.scale_to(np.eye(2), -1.0)
    with pytest.raises(ValueError, match=esc("max_singular_value: expected a finite number >= 0, "
                                             "got inf")):
        init.scale_to(np.eye(2), np.inf, "max_singular_value")
    with pytest.raises(ValueError, match=esc("W_hh has spectral radius 0, so it cannot be "
                                             "rescaled to 1.0")):
        init.scale_to(np.zeros((2, 2)), 1.0)
    with pytest.raises(ValueError, match=esc("measure: expected 'spectral_radius' or "
                                             "'max_singular_value', got 'frobenius'")):
        init.scale_to(np.eye(2), 1.0, "frobenius")


def test_scale_recurrent_refuses_a_negative_target(rnn):
    with pytest.raises(ValueError, match=esc("expected a finite number >= 0, got -0.5")):
        rnn.scale_recurrent(-0.5)


def test_check_rnn_gradients_refuses_a_float32_rnn():
    with pytest.raises(ValueError, match=esc("dtype: expected a float64 RNN for a gradient check, "
                                             "got float32")):
        rnn_core.check_rnn_gradients(RNN(3, 4, dtype=np.float32), np.zeros((2, 1, 3)))


def test_numerical_gradient_refuses_an_array_it_cannot_perturb_in_place():
    with pytest.raises(ValueError, match=esc("x: expected a contiguous array (perturbed in "
                                             "place), got a copy")):
        rnn_core.numerical_gradient(lambda: 0.0, np.zeros((3, 4)).T, [0])
