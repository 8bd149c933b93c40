"""Attention over the encoder's states, as forward/backward function pairs.

At decoder step t the query q is the decoder's previous state s_{t-1}; every encoder state h_i
gets a score e_ti, the scores become weights by a softmax over the encoder steps, and the
context is the weighted sum of the states:

    dot:       e_ti = q . h_i                             (Luong's dot score; needs Q == C)
    additive:  e_ti = v . tanh(W_q q + W_k h_i)           (Bahdanau's score)
    alpha_t = softmax_i(e_t)        c_t = sum_i alpha_ti h_i

The weights alpha_t sum to 1 over i: c_t lies in the span of the encoder's states, so the
decoder no longer reads everything through one fixed-length vector (seed article 001's remedy
for the bottleneck of c = h_N).

Axes: N encoder steps, B batch, C size of an encoder state (K * H for a bidirectional
encoder), Q size of the query (the decoder's hidden size), A size of the additive score's
hidden layer.
"""

from __future__ import annotations

import numpy as np

from .losses import softmax, softmax_backward

SCORES = ("dot", "additive")


def project_keys(keys: np.ndarray, W_k: np.ndarray) -> np.ndarray:
    """W_k h_i for every encoder step at once (additive score): keys (N, B, C), W_k (A, C) ->
    (N, B, A). Computed once per sequence, not once per decoder step."""
    N, B, C = keys.shape
    return (keys.reshape(N * B, C) @ W_k.T).reshape(N, B, -1)  # (N, B, A)


def attention_forward(query, keys, score="dot", W_q=None, keys_proj=None, v=None):
    """One decoder step's attention.

    query (B, Q), keys (N, B, C). For score="additive" also W_q (A, Q), keys_proj (N, B, A)
    (from `project_keys`) and v (A,).
    Returns c (B, C), alpha (B, N) (rows sum to 1) and the cache `attention_backward` needs.
    """
    if score == "dot":
        e = np.einsum("nbc,bc->bn", keys, query)  # (B, N): q . h_i
        u = None
    elif score == "additive":
        u = np.tanh(keys_proj + (query @ W_q.T)[None])  # (N, B, A)
        e = (u @ v).T  # (B, N): v . tanh(W_q q + W_k h_i)
    else:
        raise ValueError(f"score: expected one of {SCORES}, got {score!r}")
    alpha = softmax(e, axis=-1)  # (B, N): a distribution over the encoder steps
    c = np.einsum("bn,nbc->bc", alpha, keys)  # (B, C): the weighted sum of the states
    return c, alpha, (score, query, keys, alpha, u, W_q, v)


def attention_backward(dc, cache, dalpha_extra=None):
    """Backward of `attention_forward`.

    dc (B, C): dL/dc; dalpha_extra (B, N) or None: any gradient reaching alpha directly.
    Returns dquery (B, Q), dkeys (N, B, C) (through the weighted sum and the dot score),
    dkeys_proj (N, B, A) or None, dW_q (A, Q) or None, dv (A,) or None. The caller turns
    dkeys_proj into dW_k and more dkeys once per sequence (`project_keys` is linear).
    """
    score, query, keys, alpha, u, W_q, v = cache
    dalpha = np.einsum("bc,nbc->bn", dc, keys)  # (B, N): backprop through sum_i alpha_i h_i
    if dalpha_extra is not None:
        dalpha = dalpha + dalpha_extra
    dkeys = alpha.T[:, :, None] * dc[None]  # (N, B, C): each state's share of c
    de = softmax_backward(dalpha, alpha, axis=-1)  # (B, N): backprop through the softmax
    if score == "dot":
        dquery = np.einsum("bn,nbc->bc", de, keys)  # (B, Q): backprop through q . h_i
        dkeys = dkeys + de.T[:, :, None] * query[None]  # (N, B, C)
        return dquery, dkeys, None, None, None
    dv = np.einsum("nba,nb->a", u, de.T)  # (A,): backprop through v . u
    dpre = de.T[:, :, None] * v * (1.0 - u * u)  # (N, B, A): ... and through tanh
    dq_proj = dpre.sum(axis=0)  # (B, A): W_q q is shared by every encoder step
    dW_q = dq_proj.T @ query  # (A, Q)
    dquery = dq_proj @ W_q  # (B, Q)
    return dquery, dkeys, dpre, dW_q, dv
