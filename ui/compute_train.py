"""The training view's state and calls into rnn_core.train: one training run per session.

A run (`TrainRun`) holds the task, the `rnn_core.train.Trainer` (network, optimiser, batch
generator, history), a fixed evaluation batch with the network's predictions on it before
training, and whether it is running. It lives in `st.session_state[RUN_KEY]`, so it survives a
page switch; the page advances it by a time slice per tick of a fragment (`advance`), so no
script run is blocked for long.
"""

from __future__ import annotations

import math
import time
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import streamlit as st

from rnn_core import tasks as T
from rnn_core import train as tr
from rnn_core import work
from rnn_core.seq2seq import CONTEXT_MENU

from .compute_page import memory_guarded
from .runs import RUNS

RUN_KEY = "training_run"
SLICE = 0.4  # seconds of training per tick of the fragment
TICK = 0.45  # the fragment's run_every: a redraw a little over twice a second
EVAL_SIZE = 64  # sequences of the fixed evaluation batch
PASSAGE = (Path(__file__).resolve().parent.parent / "data" / "passage.txt")

TASKS = ("sine", "memory", "chars", "seq2seq")
CELLS = ("rnn", "lstm", "gru")
OPTIMIZERS = ("adam", "sgd", "adagrad")
CLIPS = ("norm", "value", "none")
LRS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
HIDDEN = (8, 16, 32, 64, 128)
BATCHES = (1, 8, 16, 32, 64)
MAX_STEPS = 20_000
# A training run may take this much of one core (rnn_core.work's estimate, before it starts):
# past it the target is lowered to the steps that fit (20,000 LSTM steps at hidden 128, batch 64
# would take about half an hour).
MAX_TRAIN_SECONDS = work.TRAIN_BUDGET_SECONDS
GATE_BIASES = (0.0, 1.0, 2.0, 3.0)
SWEEP_KEY = "training_sweep"
SWEEP_LAGS = (5, 10, 15, 20)
SWEEP_STEPS = 1000  # steps per (cell, lag) of the comparison
SWEEP_GATE_BIAS = 3.0  # the gated cells start with their keep gates open (rnn_core.train)
S2S_MODES = T.SEQ2SEQ_MODES  # "copy", "reverse"
S2S_CONTEXTS = tuple(CONTEXT_MENU)  # the Encoder-decoder view's menu
S2S_SYMBOLS = 8  # the vocabulary, written A, B, C, ...
S2S_MAX_LENGTH = 30
S2S_SHOWN = 4  # example sequences written out before and after


def default_text() -> str:
    return PASSAGE.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Settings:
    """What the page's controls set (hashable: compared to see if a run is still current)."""

    task: str = "sine"
    cell: str = "lstm"
    hidden_size: int = 32
    optimizer: str = "adam"
    lr: float = 0.01
    clip: str = "norm"
    clip_at: float = 1.0
    batch_size: int = 32
    steps: int = 500
    seed: int = 0
    lag: int = 10  # memory task
    gate_bias: float = 3.0  # memory task: LSTM forget / GRU update gate's initial bias
    text: str = ""  # chars task ("" until the page reads the text box)
    mode: str = "reverse"  # seq2seq task: "copy" or "reverse"
    length: int = 8  # seq2seq task: symbols in (and out)
    context: str = "last"  # seq2seq task: a key of CONTEXT_MENU

    def config(self) -> tr.TrainConfig:
        return tr.TrainConfig(cell=self.cell, hidden_size=self.hidden_size,
                              optimizer=self.optimizer, lr=self.lr, clip=self.clip,
                              clip_at=self.clip_at, batch_size=self.batch_size,
                              steps=self.steps, seed=self.seed,
                              gate_bias=self.gate_bias if self.task == "memory" else 0.0,
                              context=self.context if self.task == "seq2seq" else "last")

    def make_task(self) -> T.Task:
        if self.task == "memory":
            return T.make("memory", lag=self.lag, pad=MEMORY_PAD)
        if self.task == "chars":
            return T.make("chars", text=self.text)
        if self.task == "seq2seq":
            return T.make("seq2seq", mode=self.mode, length=self.length, n_symbols=S2S_SYMBOLS)
        return T.make("sine")

    def key(self) -> Settings:
        """What defines a run: everything but the number of steps (which can grow)."""
        return replace(self, steps=0)


MEMORY_PAD = 5  # random symbols before the one to remember (so it is not simply the first)


def step_flops(settings: Settings, task: T.Task) -> float:
    """One training step's operations for the settings' cell and sizes on `task`."""
    return work.training_step_flops(settings.cell, task.seq_len, settings.batch_size,
                                    task.input_size, settings.hidden_size, task.output_size,
                                    seq2seq=settings.task == "seq2seq")


class TrainRun:
    """One session's training run (mutable; kept in st.session_state)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.task = settings.make_task()
        self.trainer = tr.Trainer(self.task, settings.config())
        self.eval_x, self.eval_y = self.trainer.eval_batch(EVAL_SIZE)
        self.before = self.trainer.evaluate(self.eval_x, self.eval_y)
        self.before_text = None  # the language model's sample before training
        self.running = False
        self.rate = None  # steps per second over the last slice
        self.train_seconds = 0.0  # wall time spent in slices
        self.step_flops = step_flops(settings, self.task)
        self.max_steps = work.steps_within(self.step_flops, MAX_TRAIN_SECONDS)

    @property
    def step(self) -> int:
        return self.trainer.step

    @property
    def target(self) -> int:
        """The steps asked for, lowered to what fits MAX_TRAIN_SECONDS of one core."""
        return min(self.settings.steps, self.max_steps)

    @property
    def reduced(self) -> bool:
        return self.settings.steps > self.max_steps

    def seconds_for(self, steps: int) -> float:
        """The estimated time of `steps` steps on one core."""
        return work.seconds(steps * self.step_flops)

    @property
    def done(self) -> bool:
        return self.step >= self.target or self.trainer.diverged is not None

    def advance(self, budget: float = SLICE) -> int:
        """Train for up to `budget` seconds (never past the target); stop at the end."""
        if not self.running or self.done:
            self.running = False
            return 0
        t0 = time.perf_counter()
        n = self.trainer.run(self.target - self.step, time_budget=budget)
        spent = time.perf_counter() - t0
        self.train_seconds += spent
        if n:
            self.rate = n / spent if spent > 0 else None
        if self.done:
            self.running = False
        return n

    def time_left(self) -> float | None:
        if not self.rate:
            return None
        return (self.target - self.step) / self.rate

    def now(self) -> tr.Evaluation:
        return self.trainer.evaluate(self.eval_x, self.eval_y)


def get_run(settings: Settings) -> tuple[TrainRun, bool]:
    """This session's run for `settings`, and whether the controls differ from the run's own
    settings. A run that has not trained yet follows the controls; one that has keeps its
    settings until reset (its target number of steps always follows the control)."""
    ss = st.session_state
    run: TrainRun | None = ss.get(RUN_KEY)
    if run is None or (run.step == 0 and not run.running
                       and run.settings.key() != settings.key()):
        run = TrainRun(settings)
        memory_guarded(RUNS.hold, run)  # counted with the cached runs while the session has it
        ss[RUN_KEY] = run
    if run.settings.steps != settings.steps:
        run.settings = replace(run.settings, steps=settings.steps)
    return run, run.settings.key() != settings.key()


def rerun_page() -> None:
    """A full run of the page (a fragment's timer is set only by one)."""
    st.rerun(scope="app")


def start() -> None:
    run = st.session_state.get(RUN_KEY)
    if run is not None and not run.done:
        run.running = True


def stop() -> None:
    run = st.session_state.get(RUN_KEY)
    if run is not None:
        run.running = False


def reset(settings: Settings) -> None:
    st.session_state[RUN_KEY] = TrainRun(settings)


def sample_text(run: TrainRun, temperature: float, n: int = 200, seed: int = 0) -> str:
    """The language model's text after the passage's first character."""
    return tr.generate(run.trainer.net, run.task, run.task.text[0], n, temperature, seed=seed)


def sample_before(run: TrainRun, temperature: float, n: int = 200) -> str:
    """The same sample from the untrained network (its seed's initial weights), kept per
    temperature."""
    if run.before_text is None or run.before_text[0] != temperature:
        s = run.settings
        fresh = tr.Network(s.cell, run.task.input_size, s.hidden_size, run.task.output_size,
                           seed=s.seed)
        run.before_text = (temperature, tr.generate(fresh, run.task, run.task.text[0], n,
                                                    temperature))
    return run.before_text[1]


def weights_npz(run: TrainRun) -> bytes:
    return tr.save_npz(run.trainer.net.state_dict())


def history_csv(run: TrainRun) -> str:
    return run.trainer.history.csv()


def smooth(y: np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average (the first points average what there is)."""
    y = np.asarray(y, dtype=np.float64)
    if y.size == 0 or window <= 1:
        return y
    c = np.cumsum(np.insert(y, 0, 0.0))
    n = np.arange(1, y.size + 1)
    lo = np.maximum(n - window, 0)
    return (c[n] - c[lo]) / (n - lo)


class SweepRun:
    """Accuracy against the lag for the three cells, trained one (cell, lag) after another,
    a time slice per tick like the main run. results[cell] (n_lags,) is NaN until trained."""

    def __init__(self, cfg: tr.TrainConfig, lags: tuple = SWEEP_LAGS):
        self.asked = replace(cfg, steps=SWEEP_STEPS, gate_bias=SWEEP_GATE_BIAS)
        steps, _ = sweep_steps(cfg, lags)
        self.cfg = replace(self.asked, steps=steps)
        self.lags = tuple(lags)
        self.jobs = [(cell, i) for cell in CELLS for i in range(len(self.lags))]
        self.results = {cell: np.full(len(self.lags), np.nan) for cell in CELLS}
        self.index = 0
        self.current: tr.Trainer | None = None
        self.running = False

    @property
    def done(self) -> bool:
        return self.index >= len(self.jobs)

    @property
    def progress(self) -> float:
        inside = self.current.step / self.cfg.steps if self.current is not None else 0.0
        return min(1.0, (self.index + inside) / len(self.jobs))

    def advance(self, budget: float = SLICE) -> None:
        end = time.perf_counter() + budget
        while self.running and not self.done and time.perf_counter() < end:
            cell, i = self.jobs[self.index]
            if self.current is None:
                task = T.make("memory", lag=self.lags[i], pad=MEMORY_PAD)
                self.current = tr.Trainer(task, replace(self.cfg, cell=cell))
            trainer = self.current
            trainer.run(self.cfg.steps - trainer.step,
                        time_budget=max(0.0, end - time.perf_counter()))
            if trainer.step >= self.cfg.steps or trainer.diverged is not None:
                self.results[cell][i] = trainer.evaluate(*trainer.eval_batch(256)).score
                self.index += 1
                self.current = None
        if self.done:
            self.running = False


def sweep_steps(cfg: tr.TrainConfig, lags: tuple = SWEEP_LAGS) -> tuple[int, float]:
    """(steps per cell and lag, the estimated seconds of the whole comparison at SWEEP_STEPS):
    SWEEP_STEPS, or fewer so that the whole comparison fits MAX_TRAIN_SECONDS of one core
    (every cell and lag trains the same number of steps, so they stay comparable)."""
    per_step = 0.0  # one step of every (cell, lag) job
    for lag in lags:
        task = T.make("memory", lag=lag, pad=MEMORY_PAD)
        for cell in CELLS:
            per_step += work.training_step_flops(cell, task.seq_len, cfg.batch_size,
                                                 task.input_size, cfg.hidden_size,
                                                 task.output_size)
    steps = min(SWEEP_STEPS, work.steps_within(per_step, MAX_TRAIN_SECONDS))
    return steps, work.seconds(SWEEP_STEPS * per_step)


def start_sweep(cfg: tr.TrainConfig) -> None:
    sweep = st.session_state.get(SWEEP_KEY)
    if sweep is None or sweep.asked != replace(cfg, steps=SWEEP_STEPS,
                                               gate_bias=SWEEP_GATE_BIAS):
        sweep = SweepRun(cfg)
        st.session_state[SWEEP_KEY] = sweep
    if not sweep.done:
        sweep.running = True
        run = st.session_state.get(RUN_KEY)
        if run is not None:
            run.running = False  # one job at a time


def stop_sweep() -> None:
    sweep = st.session_state.get(SWEEP_KEY)
    if sweep is not None:
        sweep.running = False


def sweep_config(s: Settings) -> tr.TrainConfig:
    """The comparison trains with the page's optimiser, sizes and seed."""
    return s.config()


def torch_snippet(run: TrainRun) -> str:
    """Python that loads the downloaded weights into torch modules of the same names."""
    cls = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}[run.settings.cell]
    D, H, O = run.task.input_size, run.settings.hidden_size, run.task.output_size
    if run.settings.task == "seq2seq":
        shapes = run.trainer.net.model.param_shapes()
        lines = [f"        self.encoder = torch.nn.{cls}({D}, {H})"]
        if "transform.weight" in shapes:
            lines.append(f"        self.transform = torch.nn.Linear({H}, {H})  # c = tanh(W_c h_N)")
        if "attention.v" in shapes:
            A = shapes["attention.v"][0]
            lines.append("        self.attention = torch.nn.ParameterDict({  # additive score")
            lines += [f"            \"{k}\": torch.nn.Parameter(torch.empty"
                      f"{shapes['attention.' + k]})," for k in ("weight_query", "weight_key")]
            lines.append(f"            \"v\": torch.nn.Parameter(torch.empty({A})),")
            lines.append("        })")
        lines.append(f"        self.decoder = torch.nn.{cls}({O} + {H}, {H})  # previous output, c")
        lines.append(f"        self.head = torch.nn.Linear({H}, {O})")
    else:
        lines = [f"        self.rnn = torch.nn.{cls}({D}, {H})",
                 f"        self.head = torch.nn.Linear({H}, {O})"]
    return (
        "import numpy as np, torch\n\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n" + "\n".join(lines) + "\n\n"
        "net = Net().double()\n"
        "state = np.load(\"rnn_weights.npz\")\n"
        "net.load_state_dict({k: torch.from_numpy(state[k]) for k in state.files})\n")


def text_width(s: str) -> int:
    """Columns `s` takes in a monospace font: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def aligned(rows: list[tuple[str, str]]) -> str:
    """Rows of (label, text) with the texts starting in one column, also when the labels are
    Chinese (wide characters)."""
    w = max(text_width(a) for a, _ in rows)
    return "\n".join((a + " " * (w - text_width(a)) + "  " + b).rstrip() for a, b in rows)


def symbols(ids) -> str:
    """Symbols of the copy/reverse task as letters: 0 -> A, 1 -> B, ..."""
    return " ".join(chr(ord("A") + int(i)) for i in ids)


def s2s_examples(run: TrainRun, before: tr.Evaluation, now: tr.Evaluation,
                 names: tuple[str, str, str, str], n: int = S2S_SHOWN) -> str:
    """The first n evaluation sequences written out: what was read, what should be written,
    what the untrained and the trained network write, and a ^ under each wrong symbol."""
    read = np.argmax(run.eval_x, axis=-1)  # (N, B)
    blocks = []
    for b in range(min(n, read.shape[1])):
        target = run.eval_y[:, b]
        wrote = [np.argmax(e.logits[:, b], axis=-1) for e in (before, now)]
        marks = " ".join("^" if a != t else " " for a, t in zip(wrote[1], target, strict=True))
        rows = [(names[0], symbols(read[:, b])), (names[1], symbols(target)),
                (names[2], symbols(wrote[0])), (names[3], symbols(wrote[1]))]
        if marks.strip():
            rows.append(("", marks))
        blocks.append(aligned(rows))
    return "\n\n".join(blocks)


def position_accuracy(ev: tr.Evaluation) -> np.ndarray:
    """(M,) the share of the evaluation sequences whose j-th written symbol is right."""
    return np.mean(np.argmax(ev.logits, axis=-1) == ev.target, axis=1)


def sequence_accuracy(ev: tr.Evaluation) -> float:
    """The share of evaluation sequences written entirely right."""
    return float(np.mean(np.all(np.argmax(ev.logits, axis=-1) == ev.target, axis=0)))


def fmt_seconds(sec: float | None) -> str:
    if sec is None or not math.isfinite(sec):
        return "–"
    if sec < 60:
        return f"{sec:.0f} s"
    return f"{int(sec // 60)} min {int(sec % 60):02d} s"
