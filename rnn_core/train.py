"""Training: a recurrent cell with an output layer, and a seeded loop over a task's batches.

    logits = head(cell(x))           on every step, or on the last step only (task.readout)
    loss, dlogits = task.loss(logits, target)
    grads = backward(dlogits)        BPTT through the cell, the head's gradient beside it
    clip (global norm or value) -> optimiser step

Axes: T time, B batch, D input features, H hidden units, O outputs.

`Network` names its parameters as a torch module with attributes `rnn` and `head` would:
"rnn.weight_ih_l0", ..., "head.weight", "head.bias", so a saved state dict loads into

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.LSTM(D, H)      # or RNN, GRU
            self.head = torch.nn.Linear(H, O)

with `net.load_state_dict({k: torch.from_numpy(v) for k, v in np.load(path).items()})`.

Tasks whose readout is "seq2seq" (copy, reverse) train an `EncoderDecoder` instead: a
`rnn_core.seq2seq.Seq2Seq` of the chosen cell whose parameters are "encoder.*", "decoder.*",
"head.*" (and "transform.*" or "attention.*" for those contexts), the names of a torch module
with those attributes.

`Trainer` holds the network, the optimiser, the batch generator and the history; `run` does a
given number of steps (or as many as fit in a time budget) and reports each step's loss,
gradient norm and duration through a callback that can stop it. Everything is seeded: the
model from `seed`, the batches from a generator seeded with (seed, 1) and kept between calls,
so the same settings give the same curves however the steps are split across calls.
"""

from __future__ import annotations

import io
import math
import time
from dataclasses import dataclass, field

import numpy as np

from . import optim
from .diagnostics import clip_grad_norm, clip_grad_value
from .gru import GRU
from .linear import Linear
from .losses import softmax
from .lstm import LSTM
from .rnn import RNN
from .seq2seq import CONTEXT_MENU, Seq2Seq
from .tasks import CharText, Task

CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
CLIPS = ("none", "norm", "value")
KEEP_GATE = {"lstm": 1, "gru": 1}  # gate block of the keep gate: LSTM i f g o, GRU r z n
_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


class Network:
    """cell (RNN, LSTM or GRU; one layer, tanh) + a Linear head on its hidden state.

    x (T, B, D) -> logits (T, B, O) for readout "every", (B, O) for readout "last".
    The cell is seeded with `seed`, the head with `seed + 1`. gate_bias is added to the
    initial bias of the gate that keeps the state (the LSTM's forget gate f, the GRU's update
    gate z; the vanilla RNN has none): with torch's init the gates start near sigmoid(0) = 0.5,
    so a memory fades as 0.5^k over k steps and its gradient with it; a bias of 2 starts them
    at 0.88 (Gers et al. 2000, Jozefowicz et al. 2015 use 1 and more for the forget gate).
    """

    def __init__(self, cell: str, input_size: int, hidden_size: int, output_size: int,
                 seed: int = 0, readout: str = "every", gate_bias: float = 0.0):
        if cell not in CELLS:
            raise ValueError(f"cell: expected one of {tuple(CELLS)}, got {cell!r}")
        if readout not in ("every", "last"):
            raise ValueError(f"readout: expected 'every' or 'last', got {readout!r}")
        self.cell, self.readout = cell, readout
        self.rnn = CELLS[cell](input_size, hidden_size, seed=seed)
        self.head = Linear(hidden_size, output_size, seed=seed + 1)
        self._T = None
        if gate_bias and cell in KEEP_GATE:
            H = hidden_size
            j = KEEP_GATE[cell]  # the block of rows that decides how much of the state is kept
            self.rnn.params["bias_ih_l0"][j * H:(j + 1) * H] += gate_bias

    @property
    def hidden_size(self) -> int:
        return self.rnn.hidden_size

    def parameters(self) -> dict[str, np.ndarray]:
        """The live arrays under torch's names (an optimiser updates them in place)."""
        out = {"rnn." + k: v for k, v in self.rnn.params.items()}
        out.update({"head." + k: v for k, v in self.head.params.items()})
        return out

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameters under torch's names."""
        return {k: v.copy() for k, v in self.parameters().items()}

    def load_state_dict(self, state: dict) -> None:
        """Replace the parameters; names and shapes must be `state_dict()`'s."""
        if not isinstance(state, dict):
            raise ValueError(f"state: expected a dict of name -> array, got "
                             f"{type(state).__name__}")
        expected = set(self.parameters())
        if set(state) != expected:
            raise ValueError(f"state: expected the names {sorted(expected)}; missing "
                             f"{sorted(expected - set(state))}, unexpected "
                             f"{sorted(set(state) - expected)}")
        self.rnn.load_state_dict({k[4:]: v for k, v in state.items() if k.startswith("rnn.")})
        self.head.load_state_dict({k[5:]: v for k, v in state.items()
                                   if k.startswith("head.")})

    def forward(self, x, teacher=None) -> tuple[np.ndarray, np.ndarray]:
        """x (T, B, D) -> (logits, hidden (T, B, H)): the head's outputs and every h_t.
        (`teacher` is for the encoder-decoder's signature; a single cell has no decoder.)"""
        out, _ = self.rnn.forward(x)  # (T, B, H)
        self._T = out.shape[0]
        logits = self.head.forward(out if self.readout == "every" else out[-1])  # (T,B,O)|(B,O)
        return logits, out

    def backward(self, dlogits) -> dict[str, np.ndarray]:
        """Gradients of every parameter (torch's names) given dL/dlogits."""
        head = self.head.backward(dlogits)  # weight (O, H), bias (O,), input like h
        if self.readout == "every":
            dout = head["input"]  # (T, B, H)
        else:
            dout = np.zeros((self._T,) + head["input"].shape, dtype=head["input"].dtype)
            dout[-1] = head["input"]  # only the last state feeds the loss
        cell = self.rnn.backward(dout)  # BPTT; dL/dh_n = 0 (the loss reads the outputs)
        grads = {"rnn." + k: cell[k] for k in self.rnn.param_shapes()}
        grads.update({"head." + k: head[k] for k in self.head.param_shapes()})
        return grads


class EncoderDecoder:
    """An encoder-decoder for the N-to-M tasks: `Seq2Seq` with encoder and decoder of `cell`
    (hidden size H), a Linear head, the context `context` (a key of seq2seq.CONTEXT_MENU), and
    c both as the decoder's initial state and at its every input (feed "both").

    forward(x (N, B, V), teacher (M, B, V)) is teacher-forced (the decoder reads the previous
    target); forward(x) decodes greedily for M = N steps (it reads its own previous output).
    Both return (logits (M, B, O), hidden (N + M, B, H)): the encoder's states, then the
    decoder's. `alpha` (M, B, N) holds the last forward's attention weights (None without).
    """

    readout = "seq2seq"

    def __init__(self, cell: str, input_size: int, hidden_size: int, output_size: int,
                 seed: int = 0, context: str = "last"):
        if context not in CONTEXT_MENU:
            raise ValueError(f"context: expected one of {tuple(CONTEXT_MENU)}, got {context!r}")
        ctx, pool, score = CONTEXT_MENU[context]
        self.cell, self.context = cell, context
        self.model = Seq2Seq(input_size, hidden_size, output_size, cell=cell, context=ctx,
                             pool=pool, score=score, feed="both", seed=seed)
        self.alpha = None

    @property
    def hidden_size(self) -> int:
        return self.model.C

    def parameters(self) -> dict[str, np.ndarray]:
        """The live arrays under torch-style names (an optimiser updates them in place)."""
        return self.model.params

    def state_dict(self) -> dict[str, np.ndarray]:
        return self.model.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state)

    def forward(self, x, teacher=None) -> tuple[np.ndarray, np.ndarray]:
        m = self.model
        logits = m.forward(x, teacher) if teacher is not None else m.generate(x, len(x))
        self.alpha = m.alpha
        return logits, np.concatenate([m.enc_output, m.dec_states])

    def backward(self, dlogits) -> dict[str, np.ndarray]:
        """Gradients of every parameter given dL/dlogits of a teacher-forced forward."""
        grads = self.model.backward(dlogits)
        return {k: grads[k] for k in self.model.param_shapes()}


def make_network(task: Task, config: TrainConfig):
    """The network a task trains: an EncoderDecoder for "seq2seq" readouts, else a Network."""
    if task.readout == "seq2seq":
        return EncoderDecoder(config.cell, task.input_size, config.hidden_size,
                              task.output_size, seed=config.seed, context=config.context)
    return Network(config.cell, task.input_size, config.hidden_size, task.output_size,
                   seed=config.seed, readout=task.readout, gate_bias=config.gate_bias)


def save_npz(state: dict) -> bytes:
    """A state dict as the bytes of an .npz file (np.savez: plain arrays, no pickle)."""
    buf = io.BytesIO()
    np.savez(buf, **state)
    return buf.getvalue()


def load_npz(data) -> dict[str, np.ndarray]:
    """The arrays of an .npz file (bytes, path or file object), refusing pickled objects."""
    src = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    with np.load(src, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


@dataclass(frozen=True)
class TrainConfig:
    """How to train. Hashable, so it is also a cache key."""

    cell: str = "lstm"  # "rnn", "lstm" or "gru"
    hidden_size: int = 32  # H: units of the cell
    optimizer: str = "adam"  # "sgd" (with momentum), "adagrad" or "adam"
    lr: float = 0.01  # learning rate
    momentum: float = 0.9  # SGD only
    clip: str = "norm"  # "none", "norm" (global norm, torch's clip_grad_norm_) or "value"
    clip_at: float = 1.0  # the largest norm, or the largest |entry|
    batch_size: int = 32  # sequences per step
    steps: int = 500  # steps `train` runs
    seed: int = 0  # model and batches
    gate_bias: float = 0.0  # added to the keep gate's initial bias (0: torch's init; Network)
    context: str = "last"  # encoder-decoder tasks: a key of seq2seq.CONTEXT_MENU

    def check(self) -> TrainConfig:
        if self.cell not in CELLS:
            raise ValueError(f"cell: expected one of {tuple(CELLS)}, got {self.cell!r}")
        if self.optimizer not in optim.OPTIMIZERS:
            raise ValueError(f"optimizer: expected one of {optim.OPTIMIZERS}, got "
                             f"{self.optimizer!r}")
        if self.clip not in CLIPS:
            raise ValueError(f"clip: expected one of {CLIPS}, got {self.clip!r}")
        if self.context not in CONTEXT_MENU:
            raise ValueError(f"context: expected one of {tuple(CONTEXT_MENU)}, got "
                             f"{self.context!r}")
        if not (math.isfinite(self.gate_bias) and abs(self.gate_bias) <= 10):
            raise ValueError(f"gate_bias: expected a number in [-10, 10], got {self.gate_bias!r}")
        if not (math.isfinite(self.clip_at) and self.clip_at > 0):
            raise ValueError(f"clip_at: expected a finite number > 0, got {self.clip_at!r}")
        for name in ("hidden_size", "batch_size", "steps"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name}: expected an integer >= 1, got {v!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) \
                or self.seed < 0:
            raise ValueError(f"seed: expected an integer >= 0, got {self.seed!r}")
        return self


@dataclass(frozen=True)
class StepRecord:
    """One training step: its number (1 for the first), the loss on its batch, the global
    gradient norm before clipping, and how long it took (seconds)."""

    step: int
    loss: float
    grad_norm: float
    seconds: float


@dataclass
class Evaluation:
    """A forward on a fixed batch: x (T, B, D), target, logits, hidden (T, B, H), loss, score;
    for an encoder-decoder: greedy decoding, hidden (N + M, B, H) and attention alpha
    (M, B, N) (None without attention)."""

    x: np.ndarray
    target: np.ndarray
    logits: np.ndarray
    hidden: np.ndarray
    loss: float
    score: float
    alpha: np.ndarray | None = None


@dataclass
class History:
    """Per step: step number, loss, gradient norm (before clipping), seconds."""

    step: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    seconds: list = field(default_factory=list)

    def add(self, r: StepRecord) -> None:
        self.step.append(r.step)
        self.loss.append(r.loss)
        self.grad_norm.append(r.grad_norm)
        self.seconds.append(r.seconds)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"step": np.asarray(self.step, dtype=np.int64),
                "loss": np.asarray(self.loss, dtype=np.float64),
                "grad_norm": np.asarray(self.grad_norm, dtype=np.float64),
                "seconds": np.asarray(self.seconds, dtype=np.float64)}

    def csv(self) -> str:
        """The history as CSV text: step,loss,grad_norm,seconds."""
        rows = ["step,loss,grad_norm,seconds"]
        rows += [f"{s},{lo!r},{g!r},{sec:.6f}" for s, lo, g, sec in
                 zip(self.step, self.loss, self.grad_norm, self.seconds, strict=True)]
        return "\n".join(rows) + "\n"


class Trainer:
    """A network, its optimiser and the batches of one task, trained step by step.

    `diverged` is the step whose loss or gradient was not finite (its update is skipped and
    training stops there), or None.
    """

    def __init__(self, task: Task, config: TrainConfig = TrainConfig()):
        self.task = task
        self.config = config.check()
        self.net = make_network(task, self.config)
        self.opt = optim.make(config.optimizer, config.lr, config.momentum)
        self.rng = np.random.default_rng([config.seed, 1])  # the batches
        self.history = History()
        self.diverged: int | None = None

    @property
    def step(self) -> int:
        """Steps done so far."""
        return len(self.history.step)

    def gradients(self, x, target) -> tuple[float, dict[str, np.ndarray]]:
        """Loss and gradients of every parameter on one batch (no update)."""
        logits, _ = self.net.forward(x, self.task.teacher(target))
        loss, dlogits = self.task.loss(logits, target)
        return loss, self.net.backward(dlogits)

    def train_step(self) -> StepRecord:
        """One step: a fresh batch, forward, loss, backward, clip, update. A step whose loss or
        gradient is not finite updates nothing and marks the run as diverged."""
        t0 = time.perf_counter()
        n = self.step + 1
        cfg = self.config
        x, target = self.task.batch(self.rng, cfg.batch_size)
        with np.errstate(**_QUIET):
            logits, _ = self.net.forward(x, self.task.teacher(target))  # teacher: seq2seq
            loss, dlogits = self.task.loss(logits, target)
            norm = math.nan
            if math.isfinite(loss) and np.all(np.isfinite(dlogits)):
                grads = self.net.backward(dlogits)  # BPTT
                if cfg.clip == "norm":
                    grads, norm = clip_grad_norm(grads, cfg.clip_at)  # rescale all at once
                else:
                    _, norm = clip_grad_norm(grads, math.inf)  # the norm only, no change
                    if cfg.clip == "value":
                        grads = clip_grad_value(grads, cfg.clip_at)  # clamp each entry
            if math.isfinite(loss) and math.isfinite(norm):
                self.opt.step(self.net.parameters(), grads)
            elif self.diverged is None:
                self.diverged = n  # an update with inf/NaN would ruin every weight: skip it
        record = StepRecord(n, float(loss), float(norm), time.perf_counter() - t0)
        self.history.add(record)
        return record

    def run(self, steps: int, callback=None, time_budget: float | None = None) -> int:
        """Up to `steps` steps; stop early when `callback(record)` returns True, when
        `time_budget` seconds have passed, or at divergence. Returns the steps done."""
        start = time.perf_counter()
        done = 0
        while done < steps and self.diverged is None:
            record = self.train_step()
            done += 1
            if callback is not None and callback(record):
                break
            if time_budget is not None and time.perf_counter() - start >= time_budget:
                break
        return done

    def evaluate(self, x, target) -> Evaluation:
        """The network on a given batch, without training. An encoder-decoder decodes
        greedily, so loss and score are those of what it writes on its own."""
        with np.errstate(**_QUIET):
            logits, hidden = self.net.forward(x)
            loss = self.task.loss(logits, target)[0]
            score = self.task.score(logits, target)
        return Evaluation(np.asarray(x), np.asarray(target), logits, hidden, float(loss),
                          float(score), getattr(self.net, "alpha", None))

    def eval_batch(self, B: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """A fixed evaluation batch of this seed (its own generator: the training batches do
        not move it)."""
        return self.task.batch(np.random.default_rng([self.config.seed, 2]), B)


def train(task: Task, config: TrainConfig = TrainConfig(), callback=None) -> Trainer:
    """Train for config.steps steps (fewer if the callback returns True); return the trainer."""
    trainer = Trainer(task, config)
    trainer.run(config.steps, callback)
    return trainer


def generate(net: Network, task: CharText, prime: str, n: int, temperature: float = 1.0,
             seed: int = 0) -> str:
    """n characters sampled from a character model after reading `prime` (min-char-rnn's
    `sample`): each step feeds the previous character and draws the next from
    softmax(logits / temperature). Low temperatures pick the likeliest characters, high ones
    spread the choice. Returns the n new characters."""
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature)
            and temperature > 0):
        raise ValueError(f"temperature: expected a number > 0, got {temperature!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= 10_000:
        raise ValueError(f"n: expected an integer in [0, 10000], got {n!r}")
    if not prime:
        raise ValueError("prime: expected at least one character, got an empty string")
    ids = task.encode(prime)
    rng = np.random.default_rng(seed)
    state = None
    with np.errstate(**_QUIET):
        out, state = net.rnn.forward(task.one_hot(ids)[:, None, :])  # (T, 1, H): read prime
        h = out[-1]  # (1, H)
        chosen = []
        for _ in range(n):
            logits = net.head.forward(h)[0] / temperature  # (V,)
            p = softmax(logits)
            nxt = int(rng.choice(len(p), p=p))
            chosen.append(nxt)
            out, state = net.rnn.forward(task.one_hot([nxt])[:, None, :], state)  # one step
            h = out[-1]
    return task.decode(chosen)


def memory_sweep(lags, cells=("rnn", "lstm", "gru"), config: TrainConfig = TrainConfig(),
                 n_symbols: int = 4, eval_size: int = 256, callback=None) -> dict:
    """Accuracy on the memory task against the lag, one row per cell: {cell: (len(lags),)}.
    Each (cell, lag) trains a fresh network with `config` (its cell replaced) and is scored
    on a fixed batch of `eval_size` sequences. callback(cell, lag, accuracy) after each."""
    from .tasks import MemoryLag

    out = {}
    for cell in cells:
        accs = []
        for lag in lags:
            task = MemoryLag(lag=int(lag), n_symbols=n_symbols)
            cfg = TrainConfig(**{**config.__dict__, "cell": cell})
            trainer = train(task, cfg)
            acc = trainer.evaluate(*trainer.eval_batch(eval_size)).score
            accs.append(acc)
            if callback is not None:
                callback(cell, int(lag), acc)
        out[cell] = np.asarray(accs)
    return out
