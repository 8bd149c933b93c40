"""Just enough training for the bottleneck experiment: the copy and reverse tasks, a minimal
Adam, and a seeded training loop for a `Seq2Seq`.

The task: read N random tokens out of V, write them back (copy) or back to front (reverse).
The decoder is teacher-forced while training (it reads the previous target token, zeros at the
first step) and greedy when measured (it reads its own previous output), so the accuracy is
what the model produces on its own, on sequences it has never seen.

Axes: N steps (in and out), B batch, V vocabulary (one-hot size, also the output size).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .losses import cross_entropy
from .seq2seq import Seq2Seq
from .tasks import CopyReverse

TASKS = ("copy", "reverse")  # tasks.CopyReverse's modes


def make_batch(task: str, N: int, B: int, V: int, rng: np.random.Generator):
    """One batch of the task. Returns x (N, B, V) one-hot input, dec_input (N, B, V) the
    previous target token one-hot (zeros at step 1), target (N, B) token indices."""
    t = CopyReverse(mode=task, length=N, n_symbols=V)
    x, target = t.batch(rng, B)
    return x, t.teacher(target), target


class Adam:
    """Adam (Kingma and Ba) on a dict of arrays updated in place, with torch's defaults."""

    def __init__(self, params: dict[str, np.ndarray], lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.betas
        for k, p in self.params.items():
            g = grads[k]
            self.m[k] = b1 * self.m[k] + (1 - b1) * g  # first moment
            self.v[k] = b2 * self.v[k] + (1 - b2) * g * g  # second moment
            m_hat = self.m[k] / (1 - b1 ** self.t)  # bias corrections
            v_hat = self.v[k] / (1 - b2 ** self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)  # in place: the model's array


def clip_global_norm(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale every gradient in place so their joint norm is at most max_norm; returns the norm
    before clipping (clipping mitigates the exploding gradients of seed article 003)."""
    norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
    if norm > max_norm:
        for g in grads.values():
            g *= max_norm / norm
    return norm


@dataclass(frozen=True)
class TrainSettings:
    """One training run of the bottleneck experiment (hashable, so also a cache key)."""

    task: str = "reverse"  # "copy" or "reverse"
    N: int = 8  # tokens in (and out)
    context: str = "last"  # Seq2Seq context: "last" or "attention" (or any of CONTEXTS)
    score: str = "dot"  # attention score
    feed: str = "both"  # how c reaches the decoder
    cell: str = "gru"  # encoder and decoder cell
    vocab: int = 8  # V
    hidden: int = 32  # H: the fixed length of c = h_N
    steps: int = 1500  # Adam steps
    batch: int = 32
    lr: float = 5e-3
    clip: float = 5.0
    seed: int = 0
    eval_size: int = 500  # fresh sequences the accuracy is measured on


@dataclass(frozen=True)
class TrainResult:
    token_accuracy: float  # fraction of output tokens right (greedy decoding)
    sequence_accuracy: float  # fraction of whole sequences right
    losses: tuple  # training loss every 50 steps
    model: Seq2Seq


def build_model(s: TrainSettings) -> Seq2Seq:
    feed = s.feed if not (s.context == "attention" and s.feed == "init") else "both"
    return Seq2Seq(s.vocab, s.hidden, s.vocab, cell=s.cell, context=s.context, score=s.score,
                   feed=feed, seed=s.seed)


def evaluate(model: Seq2Seq, task: str, N: int, V: int, size: int, seed: int):
    """(token accuracy, sequence accuracy) of greedy decoding on `size` fresh sequences."""
    x, _, target = make_batch(task, N, size, V, np.random.default_rng(seed))
    pred = np.argmax(model.generate(x, N), axis=-1)  # (N, size)
    right = pred == target
    return float(right.mean()), float(right.all(axis=0).mean())


def train(s: TrainSettings) -> TrainResult:
    """Train a Seq2Seq on the task with Adam and cross-entropy (mean over tokens), seeded."""
    model = build_model(s)
    rng = np.random.default_rng(s.seed + 100)
    opt = Adam(model.params, lr=s.lr)
    losses = []
    for step in range(s.steps):
        x, dec_in, target = make_batch(s.task, s.N, s.batch, s.vocab, rng)
        logits = model.forward(x, dec_in)  # (N, B, V)
        loss, dlogits = cross_entropy(logits, target)
        grads = model.backward(dlogits)
        grads = {k: grads[k] for k in opt.params}
        clip_global_norm(grads, s.clip)
        opt.step(grads)
        if step % 50 == 0:
            losses.append(loss)
    tok, seq = evaluate(model, s.task, s.N, s.vocab, s.eval_size, s.seed + 7)
    return TrainResult(tok, seq, tuple(losses), model)
