"""Cached runs of the Architectures and Encoder-decoder views (rnn_core.seq2seq), and the
bottleneck measurements the benchmark wrote (data/bottleneck.json).

Axes: T = N input steps, M output steps, B batch (the views draw sample 0), D input, H hidden,
K directions, L layers, C = K*H, O outputs, E decoder input (= O: the previous output token).
Every array kept here is a read-only copy of sample 0 unless its name says otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

import rnn_core
from rnn_core import memory, seq2seq

from .compute import _frozen, make_h0, make_input
from .compute_page import memory_guarded
from .config import DATA_SOURCES, Config, data_shape
from .runs import cached

ARCHS = ("n_to_n", "n_to_1", "one_to_n", "n_to_m")
READOUTS = seq2seq.READOUTS  # N-to-1: "last", "mean", "max"
ONE_FEEDS = seq2seq.ONE_FEEDS  # 1-to-N: "first", "every"
CONTEXT_MODES = seq2seq.CONTEXT_MENU  # the encoder-decoder's context: (context, pool, score)
FEEDS = seq2seq.FEEDS  # "init", "input", "both"
MAX_M = 64  # decoder steps: the learner's choice, capped so the view stays quick
BOTTLENECK = Path(__file__).resolve().parent.parent / "data" / "bottleneck.json"


@dataclass(frozen=True)
class ArchSettings:
    """What the two views set on top of the shared configuration (hashable: a cache key)."""

    arch: str = "n_to_n"  # one of ARCHS
    readout: str = "last"  # N-to-1: what the head reads
    one_feed: str = "first"  # 1-to-N: the input at the first step only, or at every step
    M: int = 6  # N-to-M: output steps
    context: str = "last"  # N-to-M: a key of CONTEXT_MODES
    feed: str = "init"  # N-to-M: how c reaches the decoder


@dataclass(frozen=True)
class Seq2SeqRun:
    """One encoder-decoder forward (greedy decoding), sample 0."""

    enc_layers: tuple  # enc_layers[l][k]: (N, H) the encoder's states, layer l, direction k
    enc_output: np.ndarray  # (N, C) the top layer's states [h_i; g_i]
    context: np.ndarray  # (M, C) the c (or c_t) each decoder step read
    s0: np.ndarray  # (C,) the decoder's initial state
    dec_states: np.ndarray  # (M, C)
    dec_inputs: np.ndarray  # (M, E) the one-hot previous outputs (zeros at the first step)
    alpha: np.ndarray | None  # (M, N) attention weights, rows sum to 1; None without attention
    logits: np.ndarray  # (M, O)
    probs: np.ndarray  # (M, O)
    tokens: tuple  # (M,) the argmax of each output
    num_params: int
    params: tuple  # ((name, shape), ...) every parameter, torch's names


@dataclass(frozen=True)
class ArchRun:
    """Everything the Architectures view draws for one configuration and architecture."""

    settings: ArchSettings
    x: np.ndarray  # (T, D) what the RNN read (1-to-N: the built sequence)
    x_single: np.ndarray | None  # (D,) 1-to-N's one input
    labels: tuple | None  # one label per input step (the characters of a text), or None
    layers: tuple  # layers[l][k]: (T_rnn, H) states of layer l, direction k
    output: np.ndarray  # (T_rnn, K*H) the top layer, both directions
    readout: np.ndarray | None  # (K*H,) what N-to-1's head read
    y: np.ndarray  # (T_out, O) outputs, or (O,) for N-to-1
    probs: np.ndarray  # softmax of y over its last axis
    shapes: tuple  # ((name, shape, note key), ...) in torch's conventions, batch B included
    code: str  # the PyTorch lines that make these shapes
    s2s: Seq2SeqRun | None
    error: str | None  # "overflow" when a state left the float range


def _radius(rnn, cfg: Config) -> None:
    """Rescale W_hh to the sidebar's spectral radius, as the other views do."""
    if cfg.radius > 0 and rnn_core.init.spectral_radius(rnn.params["weight_hh_l0"]) > 0:
        rnn.scale_recurrent(cfg.radius)


def _layers(rnn) -> tuple:
    return tuple(tuple(_frozen(rnn.trace(layer, k).h[:, 0]) for k in range(rnn.num_directions))
                 for layer in range(rnn.num_layers))


def _softmax(y):
    with np.errstate(invalid="ignore", over="ignore"):
        return rnn_core.softmax(y)


def seq2seq_model(cfg: Config, D: int, s: ArchSettings) -> seq2seq.Seq2Seq:
    context, pool, score = CONTEXT_MODES[s.context]
    feed = s.feed if not (context == "attention" and s.feed == "init") else "both"
    m = seq2seq.Seq2Seq(D, cfg.hidden_size, cfg.output_size, num_layers=cfg.num_layers,
                        bidirectional=cfg.bidirectional, nonlinearity=cfg.nonlinearity,
                        context=context, pool=pool, score=score, feed=feed, seed=cfg.seed,
                        init=cfg.init)
    _radius(m.encoder, cfg)
    return m


def _seq2seq_run(m: seq2seq.Seq2Seq, x: np.ndarray, M: int) -> Seq2SeqRun:
    logits = m.generate(x, M)  # (M, B, O)
    return Seq2SeqRun(
        enc_layers=_layers(m.encoder), enc_output=_frozen(m.enc_output[:, 0]),
        context=_frozen(m.context[:, 0]), s0=_frozen(m.s0[0]),
        dec_states=_frozen(m.dec_states[:, 0]), dec_inputs=_frozen(m.dec_inputs[:, 0]),
        alpha=None if m.alpha is None else _frozen(m.alpha[:, 0]),
        logits=_frozen(logits[:, 0]), probs=_frozen(_softmax(logits[:, 0])),
        tokens=tuple(int(i) for i in np.argmax(np.nan_to_num(logits[:, 0]), axis=-1)),
        num_params=m.num_parameters(),
        params=tuple((k, tuple(v)) for k, v in m.param_shapes().items()))


def _shapes(cfg: Config, s: ArchSettings, T: int, D: int, T_rnn: int) -> tuple:
    """(name, shape, note key) of every tensor the architecture makes, batch B included."""
    B, H, O, L = cfg.batch_size, cfg.hidden_size, cfg.output_size, cfg.num_layers
    K = 2 if cfg.bidirectional else 1
    rows = []
    if s.arch == "one_to_n":
        rows.append(("x", (B, D), "ar.sh_x_one"))
    rows.append(("input" if s.arch != "n_to_m" else "x", (T_rnn, B, D), "ar.sh_input"))
    rows.append(("h0", (L * K, B, H), "ar.sh_h0"))
    rows.append(("output", (T_rnn, B, K * H), "ar.sh_output" if K == 1 else "ar.sh_output_bi"))
    rows.append(("h_n", (L * K, B, H), "ar.sh_h_n"))
    if s.arch == "n_to_1":
        rows.append(("r", (B, K * H), "ar.sh_r_" + s.readout))
        rows.append(("y", (B, O), "ar.sh_y_one"))
    elif s.arch == "n_to_m":
        C = K * H
        rows.append(("c", (B, C), "ar.sh_c"))
        rows.append(("dec_input", (s.M, B, O), "ar.sh_dec_input"))
        rows.append(("dec_output", (s.M, B, C), "ar.sh_dec_output"))
        rows.append(("y", (s.M, B, O), "ar.sh_y"))
    else:
        rows.append(("y", (T_rnn, B, O), "ar.sh_y"))
    return tuple(rows)


def _code(cfg: Config, s: ArchSettings, T: int, D: int, T_rnn: int) -> str:
    """Lines of PyTorch that build the same shapes (comments give each shape)."""
    B, H, O, L = cfg.batch_size, cfg.hidden_size, cfg.output_size, cfg.num_layers
    K = 2 if cfg.bidirectional else 1
    extra = (f", num_layers={L}" if L > 1 else "") + (", bidirectional=True" if K > 1 else "")
    act = ", nonlinearity='relu'" if cfg.nonlinearity == "relu" else ""
    lines = ["import torch", "from torch import nn", ""]
    if s.arch == "n_to_m":
        C = K * H
        lines += [f"encoder = nn.RNN({D}, {H}{extra}{act})",
                  f"decoder = nn.RNN({O}{f' + {C}' if s.feed != 'init' else ''}, {C}{act})",
                  f"head = nn.Linear({C}, {O})",
                  f"x = torch.randn({T_rnn}, {B}, {D})          # (N, B, D)",
                  f"enc_out, h_n = encoder(x)   # ({T_rnn}, {B}, {C}), ({L * K}, {B}, {H})"]
        if K > 1:
            lines.append(f"c = torch.cat([h_n[-2], h_n[-1]], dim=1)   # ({B}, {C}) = [h_N; g_1]")
        else:
            lines.append(f"c = h_n[-1]                  # ({B}, {C}) = h_N")
        lines += [f"y_prev = torch.zeros({s.M}, {B}, {O})   # (M, B, O) previous outputs",
                  "# decoder, one step at a time while it feeds its outputs back:",
                  f"dec_out, _ = decoder(y_prev, c[None])   # ({s.M}, {B}, {C})  h0 = c",
                  f"y = head(dec_out)            # ({s.M}, {B}, {O})"]
        return "\n".join(lines)
    lines += [f"rnn = nn.RNN({D}, {H}{extra}{act})", f"head = nn.Linear({K * H}, {O})"]
    if s.arch == "one_to_n":
        lines.append(f"x = torch.randn({B}, {D})              # one input (B, D)")
        if s.one_feed == "first":
            lines += [f"seq = torch.zeros({T_rnn}, {B}, {D})", "seq[0] = x                   "
                      f"# ({T_rnn}, {B}, {D}) x, then zeros"]
        else:
            lines.append(f"seq = x.expand({T_rnn}, {B}, {D})      # x at every step")
        lines.append(f"out, h_n = rnn(seq)          # ({T_rnn}, {B}, {K * H}), "
                     f"({L * K}, {B}, {H})")
    else:
        lines += [f"x = torch.randn({T_rnn}, {B}, {D})     # (T, B, D)",
                  f"out, h_n = rnn(x)            # ({T_rnn}, {B}, {K * H}), ({L * K}, {B}, {H})"]
    if s.arch == "n_to_1":
        if s.readout == "last":
            r = "torch.cat([h_n[-2], h_n[-1]], dim=1)" if K > 1 else "out[-1]"
        else:
            r = "out.mean(dim=0)" if s.readout == "mean" else "out.max(dim=0).values"
        lines += [f"r = {r}   # ({B}, {K * H})", f"y = head(r)                  # ({B}, {O})"]
    else:
        lines.append(f"y = head(out)                # ({T_rnn}, {B}, {O})")
    return "\n".join(lines)


def compute_arch(cfg: Config, s: ArchSettings, upload=None) -> ArchRun:
    """Run the architecture on the configuration's sequence (uncached)."""
    x, labels, _ = make_input(cfg, upload)
    T, B, D = x.shape
    common = dict(num_layers=cfg.num_layers, bidirectional=cfg.bidirectional,
                  nonlinearity=cfg.nonlinearity, seed=cfg.seed, init=cfg.init)
    h0 = make_h0(cfg, B)
    x_single, readout, s2s = None, None, None
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            if s.arch == "n_to_m":
                m = seq2seq_model(cfg, D, s)
                s2s = _seq2seq_run(m, x, s.M)
                rnn, seq_read, y = m.encoder, x, s2s.logits
                output = s2s.enc_output
            else:
                if s.arch == "n_to_n":
                    m = seq2seq.ManyToMany(D, cfg.hidden_size, cfg.output_size, **common)
                    inp = x
                elif s.arch == "n_to_1":
                    m = seq2seq.ManyToOne(D, cfg.hidden_size, cfg.output_size,
                                          readout=s.readout, **common)
                    inp = x
                else:
                    m = seq2seq.OneToMany(D, cfg.hidden_size, cfg.output_size, steps=T,
                                          feed=s.one_feed, **common)
                    inp = x[0]  # the one input: the sequence's first step
                    x_single = _frozen(x[0, 0])
                _radius(m.rnn, cfg)
                y = m.forward(inp, h0)[..., 0, :] if s.arch != "n_to_1" else m.forward(inp, h0)[0]
                rnn, output = m.rnn, _frozen(m.output[:, 0])
                seq_read = m.sequence if s.arch == "one_to_n" else x
                if s.arch == "n_to_1":
                    readout = _frozen(m.r[0])
            error = None if np.isfinite(y).all() and np.isfinite(output).all() else "overflow"
        except ValueError:  # the head refuses a state that overflowed to inf
            return ArchRun(s, _frozen(x[:, 0]), None, labels, (), _frozen(np.zeros((T, 1))),
                           None, _frozen(np.zeros((T, 1))), _frozen(np.zeros((T, 1))), (), "",
                           None, "overflow")
        layers = _layers(rnn)
    T_rnn = seq_read.shape[0]
    return ArchRun(
        settings=s, x=_frozen(seq_read[:, 0]), x_single=x_single, labels=labels, layers=layers,
        output=_frozen(output), readout=readout, y=_frozen(y), probs=_frozen(_softmax(y)),
        shapes=_shapes(cfg, s, T, D, T_rnn), code=_code(cfg, s, T, D, T_rnn), s2s=s2s,
        error=error)


def arch_run(cfg: Config, s: ArchSettings, upload=None) -> ArchRun:
    """The cached run of an architecture (an upload is keyed by its digest, cfg.upload), shared
    through `ui.runs` (bounded in bytes and time)."""
    csv = cfg.source == "csv"
    T, D = data_shape(cfg, upload if csv else None)
    context, _, score = CONTEXT_MODES[s.context]
    estimate = memory.arch_bytes(s.arch, T, cfg.batch_size, D, cfg.hidden_size, cfg.num_layers,
                             cfg.num_directions, cfg.output_size, M=s.M,
                             attention=score if context == "attention" else None,
                             shared_input=cfg.source in DATA_SOURCES)
    return memory_guarded(cached, "arch", (cfg, s, cfg.upload if csv else ""),
                          lambda: compute_arch(cfg, s, upload if csv else None), estimate)


# ---------------------------------------------------------------------------------------------
# the bottleneck, measured by benchmarks/bench_bottleneck.py
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bottleneck:
    """data/bottleneck.json, read: accuracy[task][context] is (len(lengths),) token accuracy;
    seq_accuracy the same for whole sequences; example one trained attention model's weights
    on one sequence (alpha (M, N), input, target, output token lists)."""

    lengths: tuple
    accuracy: dict
    seq_accuracy: dict
    settings: dict
    command: str
    example: dict | None
    elapsed: float


@st.cache_resource(max_entries=2, show_spinner=False)
def _load_bottleneck(path: str, mtime: float) -> Bottleneck | None:
    del mtime  # in the key only: a new run of the benchmark is read again
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        lengths = tuple(int(n) for n in raw["lengths"])
        acc, seq = {}, {}
        for task in raw["tasks"]:
            for ctx in raw["contexts"]:
                rows = {r["N"]: r for r in raw["results"]
                        if r["task"] == task and r["context"] == ctx}
                acc.setdefault(task, {})[ctx] = _frozen(
                    np.array([rows[n]["token_accuracy"] for n in lengths], dtype=float))
                seq.setdefault(task, {})[ctx] = _frozen(
                    np.array([rows[n]["sequence_accuracy"] for n in lengths], dtype=float))
        ex = raw.get("example")
        if ex is not None:
            ex = dict(ex, alpha=_frozen(np.array(ex["alpha"], dtype=float)))
        return Bottleneck(lengths, acc, seq, dict(raw["settings"]), str(raw["command"]), ex,
                          float(raw.get("elapsed_seconds", 0.0)))
    except (OSError, KeyError, ValueError, TypeError):
        return None


def bottleneck(path: Path = BOTTLENECK) -> Bottleneck | None:
    """The measured accuracies, or None when the file is missing or unreadable."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    return _load_bottleneck(str(path), mtime)
