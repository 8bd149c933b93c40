"""rnn_core.seq2seq, rnn_core.attention and rnn_core.train_small: the architectures of the seed
articles (N-to-N, N-to-1, 1-to-N, N-to-M) with every context and decoder feed; shapes in torch's
conventions, what each reads, gradients against central differences, attention weights, and
parity with torch (autograd as the oracle) where torch is installed."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_core import RNN
from rnn_core.attention import attention_backward, attention_forward
from rnn_core.seq2seq import (
    CELLS,
    FEEDS,
    ManyToMany,
    ManyToOne,
    OneToMany,
    Seq2Seq,
    check_gradients,
    final_states,
    pool_backward,
    pool_forward,
)
from rnn_core.train_small import Adam, TrainSettings, make_batch, train

GRAD_TOL = 1e-4  # check_gradients' measure: max error / largest numeric entry


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# every context the issue names, as (context, pool, score)
CONTEXT_MODES = [("last", "mean", "dot"), ("transform", "mean", "dot"), ("pool", "mean", "dot"),
                 ("pool", "max", "dot"), ("attention", "mean", "dot"),
                 ("attention", "mean", "additive")]


def feeds_for(context):
    return FEEDS if context != "attention" else ("input", "both")


ALL_S2S = [(c, p, s, f) for c, p, s in CONTEXT_MODES for f in feeds_for(c)]


# ---------------------------------------------------------------------------------------------
# shapes, torch's conventions
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("L,bidir", [(1, False), (2, True)])
def test_shapes_of_every_architecture(cell, L, bidir):
    T, B, D, H, O, K = 5, 3, 4, 6, 2, 2 if bidir else 1
    x = rand(T, B, D)
    kw = dict(num_layers=L, bidirectional=bidir, cell=cell)
    m = ManyToMany(D, H, O, **kw)
    assert m.forward(x).shape == (T, B, O)
    assert m.output.shape == (T, B, K * H)
    h_n = m.h_n[0] if cell == "lstm" else m.h_n
    assert h_n.shape == (L * K, B, H)
    assert m.param_shapes()["head.weight"] == (O, K * H)
    assert m.param_shapes()["rnn.weight_ih_l0"][1] == D
    for readout in ("last", "mean", "max"):
        n1 = ManyToOne(D, H, O, readout=readout, **kw)
        assert n1.forward(x).shape == (B, O)
        assert n1.r.shape == (B, K * H)
    for feed in ("first", "every"):
        one = OneToMany(D, H, O, steps=7, feed=feed, **kw)
        assert one.forward(x[0]).shape == (7, B, O)
        assert one.sequence.shape == (7, B, D)
    M = 4  # N and M independent
    for ctx, pool, score, feed in ALL_S2S:
        s2s = Seq2Seq(D, H, O, context=ctx, pool=pool, score=score, feed=feed, **kw)
        assert s2s.forward(x, rand(M, B, O)).shape == (M, B, O)
        assert s2s.enc_output.shape == (T, B, K * H)
        assert s2s.context.shape == (M, B, K * H)
        assert s2s.dec_states.shape == (M, B, K * H)
        assert (s2s.alpha is None) == (ctx != "attention")
        if ctx == "attention":
            assert s2s.alpha.shape == (M, B, T)


def test_unbatched_inputs_give_unbatched_outputs_as_torch():
    x = rand(5, 3)
    assert ManyToMany(3, 4, 2).forward(x).shape == (5, 2)
    assert ManyToOne(3, 4, 2).forward(x).shape == (2,)
    assert OneToMany(3, 4, 2, steps=6).forward(x[0]).shape == (6, 2)
    s2s = Seq2Seq(3, 4, 2, context="attention", feed="both")
    assert s2s.forward(x, rand(7, 2)).shape == (7, 2)
    assert s2s.generate(x, 7).shape == (7, 2)
    g = s2s.backward(np.ones((7, 2)))
    assert g["input"].shape == (5, 3) and g["dec_input"].shape == (7, 2)


def test_parameter_names_are_torch_submodule_names():
    s2s = Seq2Seq(3, 4, 2, context="attention", score="additive", feed="both")
    names = set(s2s.param_shapes())
    assert {"encoder.weight_ih_l0", "encoder.weight_hh_l0", "decoder.weight_ih_l0",
            "head.weight", "head.bias", "attention.weight_query", "attention.weight_key",
            "attention.v"} <= names
    # the decoder reads [y_{t-1}; c_t]: E + C columns, and its hidden size is C
    assert s2s.param_shapes()["decoder.weight_ih_l0"] == (4, 2 + 4)
    assert Seq2Seq(3, 4, 2, feed="init").param_shapes()["decoder.weight_ih_l0"] == (4, 2)
    assert Seq2Seq(3, 4, 2, bidirectional=True).param_shapes()["decoder.weight_hh_l0"] == (8, 8)


def test_state_dict_round_trip_reproduces_the_outputs():
    a = Seq2Seq(3, 4, 2, context="transform", feed="both", seed=1)
    b = Seq2Seq(3, 4, 2, context="transform", feed="both", seed=2)
    x, y = rand(5, 2, 3), rand(4, 2, 2)
    assert not np.allclose(a.forward(x, y), b.forward(x, y))
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(a.forward(x, y), b.forward(x, y))
    with pytest.raises(ValueError, match="expected the names"):
        b.load_state_dict({"head.weight": np.zeros((2, 4))})


# ---------------------------------------------------------------------------------------------
# what each architecture reads
# ---------------------------------------------------------------------------------------------

def test_many_to_many_is_the_head_on_every_state():
    m = ManyToMany(3, 5, 2, bidirectional=True)
    x = rand(6, 2, 3)
    y = m.forward(x)
    W, b = m.head.params["weight"], m.head.params["bias"]
    np.testing.assert_allclose(y, m.output @ W.T + b)  # o_t = V [h_t; g_t] + c
    out, _ = m.rnn.forward(x)
    np.testing.assert_array_equal(m.output, out)


def test_final_states_are_the_top_layers_h_n_rows():
    rnn = RNN(3, 4, num_layers=2, bidirectional=True)
    out, h_n = rnn.forward(rand(5, 2, 3))
    np.testing.assert_array_equal(final_states(out, 2), np.concatenate([h_n[2], h_n[3]], 1))
    rnn1 = RNN(3, 4)
    out1, h_n1 = rnn1.forward(rand(5, 2, 3))
    np.testing.assert_array_equal(final_states(out1, 1), h_n1[0])  # output[-1] == h_n


@pytest.mark.parametrize("mode", ["mean", "max"])
def test_pool_reads_every_step(mode):
    h = rand(5, 2, 3)
    pooled, cache = pool_forward(h, mode)
    np.testing.assert_allclose(pooled, h.mean(0) if mode == "mean" else h.max(0))
    dh = pool_backward(np.ones((2, 3)), cache)
    if mode == "mean":
        np.testing.assert_allclose(dh, np.full(h.shape, 1 / 5))
    else:
        assert np.all(dh.sum(0) == 1) and np.all((dh == 1) == (h == h.max(0)))


def test_many_to_one_reads_the_final_state_or_a_pool():
    x = rand(6, 2, 3)
    last = ManyToOne(3, 4, 2, readout="last")
    last.forward(x)
    np.testing.assert_array_equal(last.r, last.output[-1])
    mean = ManyToOne(3, 4, 2, readout="mean")
    mean.forward(x)
    np.testing.assert_allclose(mean.r, mean.output.mean(0))


def test_one_to_many_feeds_the_input_first_only_or_at_every_step():
    x = rand(2, 3)
    first = OneToMany(3, 4, 2, steps=5, feed="first")
    first.forward(x)
    np.testing.assert_array_equal(first.sequence[0], x)
    assert not first.sequence[1:].any()  # zeros after the first step
    every = OneToMany(3, 4, 2, steps=5, feed="every")
    every.forward(x)
    np.testing.assert_array_equal(every.sequence, np.repeat(x[None], 5, 0))
    # the same first step either way, then they part
    y1, y2 = first.forward(x), every.forward(x)
    np.testing.assert_allclose(y1[0], y2[0])
    assert not np.allclose(y1[1:], y2[1:])


@pytest.mark.parametrize("feed", FEEDS)
def test_static_context_enters_as_initial_state_or_input(feed):
    s2s = Seq2Seq(3, 4, 2, context="last", feed=feed)
    s2s.forward(rand(5, 2, 3), rand(3, 2, 2))
    c = s2s.enc_output[-1]
    for j in range(3):
        np.testing.assert_array_equal(s2s.context[j], c)  # one c for every step
    if feed == "input":
        assert not s2s.s0.any()
    else:
        np.testing.assert_array_equal(s2s.s0, c)


def test_static_decoder_is_torch_rnn_with_h0_c_and_c_concatenated():
    """The decoder with feed "both" is nn.RNN(E + C, C) run on [y_t; c] from h0 = c: our RNN
    (torch-parity tested) stands in for torch here."""
    s2s = Seq2Seq(3, 4, 2, context="transform", feed="both")
    x, y = rand(5, 2, 3), rand(6, 2, 2)
    logits = s2s.forward(x, y)
    c = s2s.context[0]
    dec = RNN(2 + 4, 4)
    dec.load_state_dict(s2s.decoder.state_dict())
    out, _ = dec.forward(np.concatenate([y, np.repeat(c[None], 6, 0)], axis=2), c[None])
    np.testing.assert_allclose(out, s2s.dec_states, atol=1e-14)
    np.testing.assert_allclose(logits, s2s.head.forward(out), atol=1e-14)


def test_transform_context_is_tanh_of_a_linear_map_of_h_n():
    s2s = Seq2Seq(3, 4, 2, context="transform")
    s2s.forward(rand(5, 2, 3), rand(2, 2, 2))
    W, b = s2s.transform.params["weight"], s2s.transform.params["bias"]
    np.testing.assert_allclose(s2s.context[0], np.tanh(s2s.enc_output[-1] @ W.T + b))


@pytest.mark.parametrize("score", ["dot", "additive"])
@pytest.mark.parametrize("bidir", [False, True])
def test_attention_weights_sum_to_one_over_the_encoder_steps(score, bidir):
    s2s = Seq2Seq(3, 5, 2, bidirectional=bidir, context="attention", score=score,
                  feed="both")
    s2s.forward(rand(7, 3, 3) * 3, rand(4, 3, 2))
    a = s2s.alpha  # (M, B, N)
    assert a.shape == (4, 3, 7)
    assert np.all(a >= 0)
    np.testing.assert_allclose(a.sum(axis=2), 1.0, atol=1e-12)
    # c_t is the alpha-weighted sum of the encoder states
    np.testing.assert_allclose(s2s.context, np.einsum("mbn,nbc->mbc", a, s2s.enc_output))
    assert not np.allclose(a, 1 / 7)  # the weights do depend on the states


def test_dot_attention_from_a_zero_query_is_uniform():
    s2s = Seq2Seq(3, 4, 2, context="attention", score="dot", feed="input")  # s_0 = 0
    s2s.forward(rand(6, 2, 3), rand(3, 2, 2))
    np.testing.assert_allclose(s2s.alpha[0], 1 / 6)


def test_attention_backward_matches_central_differences_alone():
    rng = np.random.default_rng(3)
    q, keys = rng.standard_normal((2, 4)), rng.standard_normal((5, 2, 4))
    dc = rng.standard_normal((2, 4))

    def f():
        return float(np.sum(attention_forward(q, keys)[0] * dc))

    _, _, cache = attention_forward(q, keys)
    dq, dkeys, *_ = attention_backward(dc, cache)
    for arr, grad in ((q, dq), (keys, dkeys)):
        num = np.zeros(arr.size)
        flat = arr.reshape(-1)
        for i in range(arr.size):
            old = flat[i]
            flat[i] = old + 1e-6
            plus = f()
            flat[i] = old - 1e-6
            minus = f()
            flat[i] = old
            num[i] = (plus - minus) / 2e-6
        np.testing.assert_allclose(grad.reshape(-1), num, atol=1e-8)


def test_greedy_generate_feeds_back_the_previous_argmax():
    s2s = Seq2Seq(3, 4, 5, context="attention", feed="both", seed=3)
    x = rand(6, 2, 3)
    logits = s2s.generate(x, 4)
    inputs = s2s.dec_inputs
    assert not inputs[0].any()  # the start input is zeros
    np.testing.assert_array_equal(inputs[1:].argmax(-1), logits[:-1].argmax(-1))
    np.testing.assert_array_equal(inputs[1:].sum(-1), 1)
    # teacher forcing with the same inputs gives the same logits
    np.testing.assert_allclose(s2s.forward(x, inputs), logits, atol=1e-14)


# ---------------------------------------------------------------------------------------------
# errors name what was expected
# ---------------------------------------------------------------------------------------------

def test_attention_with_init_only_is_refused_naming_the_allowed_feeds():
    with pytest.raises(ValueError, match="'input' or 'both'"):
        Seq2Seq(3, 4, 2, context="attention", feed="init")


@pytest.mark.parametrize("kw,match", [({"context": "sum"}, "context: expected one of"),
                                      ({"feed": "side"}, "feed: expected one of"),
                                      ({"pool": "median"}, "pool: expected one of"),
                                      ({"cell": "tcn"}, "cell: expected one of")])
def test_bad_option_names_the_allowed_ones(kw, match):
    with pytest.raises(ValueError, match=match):
        Seq2Seq(3, 4, 2, **kw)


def test_decoder_input_of_the_wrong_width_is_refused_with_its_shape():
    s2s = Seq2Seq(3, 4, 2)
    with pytest.raises(ValueError, match=r"dec_input: expected shape \(M, 2, 2\).*got \(4, 2, 3\)"):
        s2s.forward(rand(5, 2, 3), rand(4, 2, 3))
    with pytest.raises(ValueError, match="forward call first"):
        Seq2Seq(3, 4, 2).backward(np.ones((2, 2, 2)))


# ---------------------------------------------------------------------------------------------
# gradients against central differences
# ---------------------------------------------------------------------------------------------

def assert_grads(errors):
    bad = {k: v for k, v in errors.items() if not v < GRAD_TOL}
    assert bad == {}


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("L,bidir", [(1, False), (2, True)])
@pytest.mark.parametrize("arch", ["n_to_n", "last", "mean", "max", "first", "every"])
def test_architecture_gradients(arch, cell, L, bidir):
    kw = dict(num_layers=L, bidirectional=bidir, cell=cell, seed=2)
    x = rand(5, 2, 3, seed=1)
    if arch == "n_to_n":
        m, inp = ManyToMany(3, 4, 2, **kw), x
    elif arch in ("last", "mean", "max"):
        m, inp = ManyToOne(3, 4, 2, readout=arch, **kw), x
    else:
        m, inp = OneToMany(3, 4, 2, steps=4, feed=arch, **kw), x[0]
    assert_grads(check_gradients(m, inp, max_entries=5))


@pytest.mark.parametrize("context,pool,score,feed", ALL_S2S)
@pytest.mark.parametrize("L,bidir", [(1, False), (2, True)])
def test_seq2seq_gradients_every_context_and_feed(context, pool, score, feed, L, bidir):
    m = Seq2Seq(3, 4, 2, num_layers=L, bidirectional=bidir, context=context, pool=pool,
                score=score, feed=feed, dec_input_size=3, seed=5)
    errors = check_gradients(m, rand(5, 2, 3, seed=1), rand(6, 2, 3, seed=2), max_entries=6)
    assert set(errors) == set(m.param_shapes()) | {"input", "dec_input"}
    assert_grads(errors)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("context,pool,score,feed", [("last", "mean", "dot", "init"),
                                                     ("pool", "max", "dot", "input"),
                                                     ("transform", "mean", "dot", "both"),
                                                     ("attention", "mean", "additive", "both")])
def test_seq2seq_gradients_gated_cells(cell, context, pool, score, feed):
    m = Seq2Seq(3, 4, 2, cell=cell, context=context, pool=pool, score=score, feed=feed,
                seed=7)
    assert_grads(check_gradients(m, rand(5, 2, 3, seed=3), rand(4, 2, 2, seed=4),
                                 max_entries=6))


def test_gradient_check_catches_a_wrong_backward():
    """Guards the check itself: a backward that forgot the decoder's recurrence must fail."""
    m = Seq2Seq(3, 4, 2, context="last", feed="init", seed=1)
    real = m.backward

    def broken(g):
        grads = real(g)
        grads["decoder.weight_hh_l0"] = grads["decoder.weight_hh_l0"] * 0.5
        return grads

    m.backward = broken
    errors = check_gradients(m, rand(5, 2, 3), rand(4, 2, 2), max_entries=6)
    assert errors["decoder.weight_hh_l0"] > 0.1


# ---------------------------------------------------------------------------------------------
# torch as the oracle
# ---------------------------------------------------------------------------------------------

@pytest.mark.torch
def test_attention_seq2seq_matches_torch_autograd(torch):
    """Encoder nn.RNN, decoder nn.RNNCell on [y_t; c_t], dot attention with query s_{t-1},
    s_0 = h_N, head nn.Linear: forward and every gradient agree with ours."""
    T, B, D, H, O, M = 5, 2, 3, 4, 2, 4
    s2s = Seq2Seq(D, H, O, context="attention", score="dot", feed="both", seed=4)
    x, y = rand(T, B, D, seed=5), rand(M, B, O, seed=6)
    G = rand(M, B, O, seed=7)
    ours = s2s.forward(x, y)
    g = s2s.backward(G)
    p = {k: torch.from_numpy(v.copy()).requires_grad_(True) for k, v in s2s.params.items()}
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    yt = torch.from_numpy(y.copy()).requires_grad_(True)
    enc = torch.nn.RNN(D, H, dtype=torch.float64)
    out, _ = torch.func.functional_call(enc, {k[8:]: v for k, v in p.items()
                                              if k.startswith("encoder.")}, (xt,))
    s = out[-1]
    logits = []
    for j in range(M):
        alpha = torch.softmax(torch.einsum("nbc,bc->bn", out, s), dim=1)
        c = torch.einsum("bn,nbc->bc", alpha, out)
        inp = torch.cat([yt[j], c], dim=1)
        s = torch.tanh(inp @ p["decoder.weight_ih_l0"].T + p["decoder.bias_ih_l0"]
                       + s @ p["decoder.weight_hh_l0"].T + p["decoder.bias_hh_l0"])
        logits.append(s @ p["head.weight"].T + p["head.bias"])
    lt = torch.stack(logits)
    np.testing.assert_allclose(ours, lt.detach().numpy(), atol=1e-12)
    (lt * torch.from_numpy(G)).sum().backward()
    for k, v in p.items():
        np.testing.assert_allclose(g[k], v.grad.numpy(), atol=1e-10, err_msg=k)
    np.testing.assert_allclose(g["input"], xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(g["dec_input"], yt.grad.numpy(), atol=1e-10)


@pytest.mark.torch
def test_many_to_one_matches_torch(torch):
    m = ManyToOne(3, 4, 2, bidirectional=True, readout="last", seed=1)
    x = rand(6, 2, 3)
    ours = m.forward(x)
    rnn = torch.nn.RNN(3, 4, bidirectional=True, dtype=torch.float64)
    rnn.load_state_dict({k: torch.from_numpy(v) for k, v in m.rnn.state_dict().items()})
    lin = torch.nn.Linear(8, 2, dtype=torch.float64)
    lin.load_state_dict({k: torch.from_numpy(v) for k, v in m.head.state_dict().items()})
    _, h_n = rnn(torch.from_numpy(x))
    ref = lin(torch.cat([h_n[0], h_n[1]], dim=1))  # the usual torch idiom for [h_N; g_1]
    np.testing.assert_allclose(ours, ref.detach().numpy(), atol=1e-12)


# ---------------------------------------------------------------------------------------------
# the bottleneck experiment's training
# ---------------------------------------------------------------------------------------------

def test_copy_and_reverse_batches():
    x, dec_in, target = make_batch("reverse", 5, 3, 4, np.random.default_rng(0))
    np.testing.assert_array_equal(target, x.argmax(-1)[::-1])
    assert not dec_in[0].any()
    np.testing.assert_array_equal(dec_in[1:].argmax(-1), target[:-1])
    x, _, target = make_batch("copy", 5, 3, 4, np.random.default_rng(0))
    np.testing.assert_array_equal(target, x.argmax(-1))


def test_adam_minimises_a_quadratic():
    w = np.array([3.0, -2.0])
    opt = Adam({"w": w}, lr=0.1)
    for _ in range(300):
        opt.step({"w": 2 * w})
    assert np.abs(w).max() < 1e-2


def test_training_is_reproducible_from_the_seed_and_learns_a_short_reverse():
    s = TrainSettings(task="reverse", N=3, vocab=4, hidden=12, steps=300, context="attention",
                      eval_size=200)
    a, b = train(s), train(s)
    assert a.losses == b.losses and a.token_accuracy == b.token_accuracy
    assert a.losses[-1] < a.losses[0] / 3
    assert a.token_accuracy > 0.9
