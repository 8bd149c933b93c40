"""Load: rerun latency under concurrent sessions, one process against several behind HAProxy,
and the server's peak memory when a class tries large settings. Measured through Streamlit's
websocket protocol (tests/load_client.py: what a browser sends, without a browser).

    python benchmarks/bench_load.py [--sessions 1 5 20] [--reruns 6] [--markdown]
    python benchmarks/bench_load.py --mode play [--workers 1 2] [--players 0 10 25]
    python benchmarks/bench_load.py --mode memory [--sessions 30] [--configs 10] [--budget-mb 2048]

--mode tour (the default) starts `streamlit run app.py` on 127.0.0.1 (a free port; stopped at
the end), then for each N opens N sessions at once. Each session opens a deep link to
/recurrence with its own configuration (hidden 8.., T 10..40, its own seed: nothing is cached
yet, so this run computes), then reruns `--reruns` times, switching page each time (data flow,
gradients, recurrence, landing, ...; pages whose run is cached draw only). A latency is the
time from sending the rerun request to the run's script_finished message, as a browser waits
for it. Printed per N: p50 and p95 of the first runs and of the reruns, the wall time, runs
that raised or did not finish, and the server's resident memory after the N sessions.

--mode play serves the app from each `--workers` count in turn (1: one `streamlit run`; more:
`python serve.py`, HAProxy in front, every session entering through it with its sticky cookie
as a browser does) and, for each `--players` count, has that many learners press Play on
/recurrence (each its own configuration) while one bystander reruns /recurrence about once a
second. Play is what the browser does: the button's click, then one fragment rerun per tick of
the fragment's timer (0.6 s, or as soon as the previous tick's run is back when the server is
slower). Measured over `--seconds` once everybody plays: the bystander's rerun p50 and p95,
Play's steps per second per learner (the step the page writes to the URL; at most 1/0.6), the
CPU the server's processes used (100% = one core), the CPU other processes on the machine used
meanwhile, and the workers' resident memory summed.

--mode memory is the "class tries large settings" check: `--sessions` learners at once, each
opening `--configs` deep links one after another (a link opens a fresh session), every link a
large configuration of its own on one of the views (wide inputs, a 1000-character vocabulary,
hidden 1024, 4 bidirectional layers, ...). The server's memory (the resident memory of all its
processes summed, sampled every 0.1 s) is printed at its peak against `--budget-mb`, with every
exception any session received; above `--kill-mb` the server is stopped so that a run cannot
take the machine down. `--shrink N` divides the sizes by N for a quick check of the script.
Every run and the whole benchmark have time limits.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import load_client  # noqa: E402
import serve_client  # noqa: E402
from serve_client import Target, open_session, serving  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from benchmarks.timing import _busy_cpu_seconds, _own_cpu_seconds  # noqa: E402

TOUR = ("data_flow", "gradients", "recurrence", "", "data_flow", "recurrence")
RUN_TIMEOUT = 180.0  # one run, while many sessions compete for the cores


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    v = sorted(values)
    pos = q * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def print_table(head: tuple, body: list[tuple], markdown: bool) -> None:
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---:" for _ in head) + "|")
        for row in body:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(h), *(len(r[c]) for r in body)) for c, h in enumerate(head)]
    print("  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)))
    for row in body:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def failed(result) -> int:
    return int(bool(result.exceptions) or not result.status.startswith("FINISHED"))


# ---------------------------------------------------------------------------------------------
# --mode tour
# ---------------------------------------------------------------------------------------------

async def session(port: int, i: int, level: int, reruns: int, start: asyncio.Event):
    """One session's first run and reruns: (first seconds, [rerun seconds], errors)."""
    query = f"hidden={8 + i % 20}&T={10 + (7 * i) % 31}&seed={1000 * level + i}"
    errors = 0
    await start.wait()
    async with await load_client.Session.open(port) as s:
        first = await s.rerun("recurrence", query, timeout=RUN_TIMEOUT)
        errors += failed(first)
        pages = {p.url_pathname for p in s.app_pages}
        times = []
        for n in range(reruns):
            page = TOUR[(n + i) % len(TOUR)]
            if page not in pages:
                page = "recurrence"
            r = await s.rerun(page, "", by_name=False, timeout=RUN_TIMEOUT)
            errors += failed(r)
            times.append(r.seconds)
    return first.seconds, times, errors


async def level(port: int, n: int, reruns: int):
    start = asyncio.Event()
    tasks = [asyncio.create_task(session(port, i, n, reruns, start)) for i in range(n)]
    await asyncio.sleep(0.2)  # all connect, then all ask at once
    t0 = time.perf_counter()
    start.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    wall = time.perf_counter() - t0
    firsts, reruns_s, errors = [], [], 0
    for r in results:
        if isinstance(r, BaseException):
            errors += 1
            continue
        firsts.append(r[0])
        reruns_s += r[1]
        errors += r[2]
    return firsts, reruns_s, errors, wall


def main_tour(args) -> None:
    rows = []
    with load_client.Server(ROOT) as server:
        for n in args.sessions:
            firsts, reruns, errors, wall = asyncio.run(level(server.port, n, args.reruns))
            rows.append((n, pct(firsts, .5), pct(firsts, .95), pct(reruns, .5),
                         pct(reruns, .95), len(firsts) + len(reruns), errors, wall,
                         serve_client.rss_mb([server.proc.pid])))
        healthy = asyncio.run(load_client.health(server.port))
    head = ("sessions", "first p50 ms", "first p95 ms", "rerun p50 ms", "rerun p95 ms", "runs",
            "errors", "wall s", "server MB")
    body = [(str(n), f"{f50 * 1e3:.0f}", f"{f95 * 1e3:.0f}", f"{r50 * 1e3:.0f}",
             f"{r95 * 1e3:.0f}", str(runs), str(err), f"{wall:.1f}", f"{mb:.0f}")
            for n, f50, f95, r50, r95, runs, err, wall, mb in rows]
    print_table(head, body, args.markdown)
    print(f"first: the deep link's run (computes); reruns: {args.reruns} page switches per "
          f"session (cached runs draw). Server healthy at the end: {healthy}.")


# ---------------------------------------------------------------------------------------------
# --mode play
# ---------------------------------------------------------------------------------------------

PLAY_KEY = "recurrence_play"  # ui.stepper's Play button on /recurrence
PLAY_INTERVAL = 0.6  # ui.stepper.PLAY_INTERVAL: the fragment's timer
PLAY_T = 150  # long enough that nobody reaches the last step within the window
BYSTANDER_PAUSE = 1.0  # seconds between the bystander's clicks


@dataclass
class Window:
    """The measured interval: set once everybody plays (monotonic seconds)."""

    go: asyncio.Event = field(default_factory=asyncio.Event)
    start: float = float("inf")
    end: float = float("inf")


def step_of(result) -> int:
    return int(parse_qs(result.query_string).get("step", ["0"])[-1])


async def player(target: Target, i: int, level_n: int, ready: list, win: Window):
    """Open /recurrence, wait for everybody, press Play and tick as the browser's timer does:
    [(monotonic time, step)], the number of failed runs and the worker that served it."""
    query = f"hidden=32&T={PLAY_T}&seed={7000 + 100 * level_n + i}"
    ticks, errors = [], 0
    async with await open_session(target) as s:
        r = await s.rerun("recurrence", query, timeout=RUN_TIMEOUT)
        errors += failed(r)
        click = WidgetState(id=r.widget_id(PLAY_KEY), trigger_value=True)
        ready.append(i)
        await win.go.wait()
        r = await s.rerun("recurrence", None, by_name=False, widget_states=[click],
                          timeout=RUN_TIMEOUT)
        errors += failed(r)
        if not r.auto_reruns:
            raise load_client.LoadClientError("Play started no fragment timer")
        frag = next(iter(r.auto_reruns))
        ticks.append((time.monotonic(), step_of(r)))
        while time.monotonic() < win.end:
            t0 = time.monotonic()
            r = await s.rerun("recurrence", None, by_name=False, fragment_id=frag,
                              is_auto_rerun=True, timeout=RUN_TIMEOUT)
            errors += failed(r)
            ticks.append((time.monotonic(), step_of(r)))
            await asyncio.sleep(max(0.0, PLAY_INTERVAL - (time.monotonic() - t0)))
    return ticks, errors, worker_of(s)


def worker_of(session) -> str:
    """The worker HAProxy sent the session to ("" without a balancer)."""
    return next((v for k, v in session.handshake_headers.items()
                 if k.lower() == serve_client.WORKER_HEADER), "")


def steps_per_second(ticks: list, win: Window) -> float:
    """Steps the player advanced within the window per second of it."""
    before = [step for t, step in ticks if t <= win.start]
    inside = [(t, step) for t, step in ticks if win.start < t <= win.end]
    if not inside:
        return 0.0
    first = before[-1] if before else inside[0][1]
    return (inside[-1][1] - first) / (win.end - win.start)


async def bystander(target: Target, level_n: int, win: Window):
    """A learner not playing who clicks about once a second: the rerun times in the window."""
    times, errors = [], 0
    async with await open_session(target) as s:
        r = await s.rerun("recurrence", f"hidden=24&T=60&seed={9000 + level_n}",
                          timeout=RUN_TIMEOUT)
        errors += failed(r)
        await win.go.wait()
        while time.monotonic() < win.end:
            t0 = time.monotonic()
            r = await s.rerun("recurrence", None, by_name=False, timeout=RUN_TIMEOUT)
            errors += failed(r)
            if win.start <= t0 and time.monotonic() <= win.end:
                times.append(r.seconds)
            await asyncio.sleep(BYSTANDER_PAUSE)
    return times, errors


async def play_level(target: Target, players: int, seconds: float, setup_timeout: float):
    win, ready = Window(), []
    tasks = [asyncio.create_task(player(target, i, players, ready, win))
             for i in range(players)]
    watcher = asyncio.create_task(bystander(target, players, win))
    deadline = time.monotonic() + setup_timeout
    while len(ready) < players and time.monotonic() < deadline \
            and not any(t.done() for t in tasks):
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # the bystander's first run too
    win.start = time.monotonic() + 3.0  # everybody's Play click first
    win.end = win.start + seconds
    win.go.set()
    await asyncio.sleep(max(0.0, win.start - time.monotonic()))
    pids = target.worker_pids()
    cpu0, busy0, own0 = serve_client.cpu_seconds(pids), _busy_cpu_seconds(), _own_cpu_seconds()
    await asyncio.sleep(max(0.0, win.end - time.monotonic()))
    wall = time.monotonic() - win.start
    cpu1, busy1, own1 = serve_client.cpu_seconds(pids), _busy_cpu_seconds(), _own_cpu_seconds()
    rss = serve_client.rss_mb(target.worker_pids())
    server_cpu = (cpu1 - cpu0) / wall
    other = None
    if busy0 is not None and busy1 is not None:
        other = max(0.0, (busy1 - busy0) - (cpu1 - cpu0) - (own1 - own0)) / wall
    timeout = RUN_TIMEOUT + 30
    outs = await asyncio.wait_for(asyncio.gather(*tasks, watcher, return_exceptions=True),
                                  timeout)
    rates, errors, times, split = [], 0, [], {}
    for out in outs[:-1]:
        if isinstance(out, BaseException):
            errors += 1
            print(f"  a player failed: {type(out).__name__}: {out}", file=sys.stderr)
            continue
        rates.append(steps_per_second(out[0], win))
        errors += out[1]
        split[out[2]] = split.get(out[2], 0) + 1
    if isinstance(outs[-1], BaseException):
        errors += 1
        print(f"  the bystander failed: {outs[-1]!r}", file=sys.stderr)
    else:
        times, err = outs[-1]
        errors += err
    split = "/".join(str(split[w]) for w in sorted(split)) if len(split) > 1 else "-"
    return times, rates, server_cpu, other, rss, errors, split


def main_play(args) -> None:
    rows = []
    for workers in args.workers:
        with serving(ROOT, workers) as target:
            for players in args.players:
                print(f"{workers} worker(s), {players} playing ...", file=sys.stderr)
                times, rates, cpu, other, rss, errors, split = asyncio.run(
                    play_level(target, players, args.seconds, args.setup_timeout))
                rows.append((
                    str(workers), str(players), split, f"{pct(times, .5) * 1e3:.0f}",
                    f"{pct(times, .95) * 1e3:.0f}", str(len(times)),
                    f"{sum(rates) / len(rates):.2f}" if rates else "-",
                    f"{min(rates):.2f}" if rates else "-", f"{cpu * 100:.0f}",
                    "?" if other is None else f"{other * 100:.0f}", f"{rss:.0f}",
                    str(errors)))
            alive = target.alive()
        if not alive:
            print(f"  the server with {workers} worker(s) was down at the end", file=sys.stderr)
    head = ("workers", "playing", "per worker", "bystander p50 ms", "p95 ms", "reruns",
            "Play steps/s", "slowest", "server CPU %", "others CPU %", "workers MB", "errors")
    print_table(head, rows, args.markdown)
    print(f"Over {args.seconds:.0f} s once everybody plays. Play steps/s: per learner, mean "
          f"and slowest ({1 / PLAY_INTERVAL:.2f} when nothing waits). CPU: 100% = one core, of "
          f"{os.cpu_count()}; others = every other process on the machine (this client "
          "excluded). per worker: players on each worker. workers MB: the Streamlit "
          "processes' resident memory summed.")


# ---------------------------------------------------------------------------------------------
# --mode memory
# ---------------------------------------------------------------------------------------------

VIEWS = ("recurrence", "gradients", "data_flow", "architectures", "encoder_decoder", "training")
VOCAB = "".join(chr(0x4E00 + k) for k in range(1000))  # 1000 distinct characters: D = 1000
# Large configurations, each heavy in its own way (some past the per-run budget: the app then
# falls back to the default sizes with a warning, which is part of what this measures); the
# seed makes every learner's every link a configuration of its own.
LARGE = (
    {"hidden": 1, "T": 2000, "in": 512, "batch": 64, "bidir": 1},  # wide input, long
    {"hidden": 1024, "T": 1900},  # the widest hidden state, long
    {"hidden": 512, "T": 200, "layers": 4, "bidir": 1},  # deep and bidirectional
    {"hidden": 256, "T": 500, "batch": 15},  # a batch
    {"src": "text", "text": VOCAB, "hidden": 15, "batch": 64, "bidir": 1},  # big vocabulary
    {"hidden": 700, "T": 1400, "out": 512, "act": "relu", "rho": 1.5},  # wide output
    {"hidden": 1000, "T": 20, "layers": 4, "bidir": 1, "batch": 12},  # many parameters
)
SIZES = ("hidden", "T", "in", "out", "batch")


def large_link(i: int, j: int, configs: int, shrink: int) -> tuple[str, str]:
    """Learner i's j-th link: (view, query string), sizes divided by `shrink`."""
    params = dict(LARGE[(3 * i + j) % len(LARGE)])
    for name in SIZES:
        if name in params:
            params[name] = max(1, params[name] // shrink)
    if "text" in params:
        params["text"] = params["text"][:max(2, len(params["text"]) // shrink)]
    params["seed"] = 20_000 + i * configs + j
    return VIEWS[(i + j) % len(VIEWS)], urlencode(params)


@dataclass
class MemoryStats:
    runs: int = 0
    exceptions: list = field(default_factory=list)  # "view: type: message"
    failed: list = field(default_factory=list)  # runs that did not finish (closed, timed out)
    errors_shown: int = 0  # st.error messages (a refusal with its reason is not a failure)
    slowest: float = 0.0
    peak_mb: float = 0.0
    killed_at: float | None = None


async def learner(target: Target, i: int, args, stats: MemoryStats, deadline: float):
    for j in range(args.configs):
        page, query = large_link(i, j, args.configs, args.shrink)
        left = deadline - time.monotonic()
        if left <= 1 or stats.killed_at is not None:
            stats.failed.append(f"learner {i} link {j}: not opened (time or memory limit)")
            continue
        try:
            async with await open_session(target) as s:
                r = await s.rerun(page, query, timeout=min(args.run_timeout, left))
        except (load_client.LoadClientError, asyncio.TimeoutError, OSError) as err:
            stats.failed.append(f"learner {i} /{page}?{query[:80]}: {type(err).__name__} {err}")
            continue
        stats.runs += 1
        stats.slowest = max(stats.slowest, r.seconds)
        stats.exceptions += [f"/{page}: {e}" for e in r.exceptions]
        stats.errors_shown += len(r.alerts("error"))
        if not r.status.startswith("FINISHED"):
            stats.failed.append(f"learner {i} /{page}: ended {r.status}")


async def sample_memory(target: Target, stats: MemoryStats, kill_mb: float, done):
    while not done.is_set():
        mb = serve_client.rss_mb(target.all_pids())
        stats.peak_mb = max(stats.peak_mb, mb)
        if mb > kill_mb:
            stats.killed_at = mb
            await asyncio.to_thread(target.stop)
            return
        await asyncio.sleep(0.1)


async def memory_run(target: Target, args) -> MemoryStats:
    stats, done = MemoryStats(), asyncio.Event()
    kill_mb = args.kill_mb or 2 * args.budget_mb
    sampler = asyncio.create_task(sample_memory(target, stats, kill_mb, done))
    deadline = time.monotonic() + args.deadline
    learners = [learner(target, i, args, stats, deadline) for i in range(args.sessions[0])]
    try:
        await asyncio.wait_for(asyncio.gather(*learners), args.deadline + 60)
    except asyncio.TimeoutError:
        stats.failed.append("the benchmark's --deadline passed with runs still going")
    done.set()
    await sampler
    return stats


def main_memory(args) -> int:
    sessions, workers = args.sessions[0], args.workers[0]
    t0 = time.monotonic()
    with serving(ROOT, workers) as target:
        idle = serve_client.rss_mb(target.all_pids())
        stats = asyncio.run(memory_run(target, args))
    wall = time.monotonic() - t0
    ok = (stats.peak_mb <= args.budget_mb and not stats.exceptions and not stats.failed
          and stats.killed_at is None)
    head = ("workers", "learners", "links each", "runs", "exceptions", "not finished",
            "st.error", "slowest s", "idle MB", "peak MB", "budget MB", "verdict")
    print_table(head, [(str(workers), str(sessions), str(args.configs), str(stats.runs),
                        str(len(stats.exceptions)), str(len(stats.failed)),
                        str(stats.errors_shown), f"{stats.slowest:.1f}", f"{idle:.0f}",
                        f"{stats.peak_mb:.0f}", f"{args.budget_mb:.0f}",
                        "within budget" if ok else "FAILED")], args.markdown)
    shrunk = f", sizes divided by {args.shrink}" if args.shrink > 1 else ""
    print(f"{sessions} learners at once, each opening {args.configs} large configurations "
          f"across {len(VIEWS)} views{shrunk}, in {wall:.0f} s. Peak: the resident memory of "
          "all the server's processes summed, sampled every 0.1 s.")
    if stats.killed_at is not None:
        print(f"STOPPED: the server reached {stats.killed_at:.0f} MB, over --kill-mb "
              f"{args.kill_mb or 2 * args.budget_mb:.0f}")
    for line in sorted(set(stats.exceptions))[:5] + stats.failed[:5]:
        print("  " + line[:300])
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("tour", "play", "memory"), default="tour")
    parser.add_argument("--sessions", type=int, nargs="+",
                        help="tour: session counts (1 5 20); memory: learners (30)")
    parser.add_argument("--reruns", type=int, default=6, help="tour: reruns per session")
    parser.add_argument("--workers", type=int, nargs="+",
                        help="play: worker counts to compare (1 = one `streamlit run`, more = "
                             "serve.py behind HAProxy; default 1 2); memory: one count (1)")
    parser.add_argument("--players", type=int, nargs="+", default=[0, 10, 25],
                        help="play: learners pressing Play")
    parser.add_argument("--seconds", type=float, default=30.0, help="play: measured window")
    parser.add_argument("--setup-timeout", type=float, default=300.0,
                        help="play: seconds for every session's first run")
    parser.add_argument("--configs", type=int, default=10, help="memory: links per learner")
    parser.add_argument("--budget-mb", type=float, default=2048.0,
                        help="memory: the server's memory budget (default 2 GB)")
    parser.add_argument("--kill-mb", type=float, default=None,
                        help="memory: stop the server above this (default 2 x budget)")
    parser.add_argument("--shrink", type=int, default=1,
                        help="memory: divide the sizes by this (a quick check of the script)")
    parser.add_argument("--run-timeout", type=float, default=600.0,
                        help="memory: seconds one link's run may take")
    parser.add_argument("--deadline", type=float, default=3600.0,
                        help="memory: seconds for the whole run")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if not load_client.AVAILABLE:
        sys.exit(load_client.UNAVAILABLE_REASON)
    args.workers = args.workers or ([1, 2] if args.mode == "play" else [1])
    if args.mode != "tour" and max(args.workers) > 1 and serve_client.HAPROXY is None:
        sys.exit("more than one worker needs HAProxy: apt-get install -y haproxy")
    if args.mode == "play":
        main_play(args)
        return 0
    if args.mode == "memory":
        args.sessions = args.sessions or [30]
        return main_memory(args)
    args.sessions = args.sessions or [1, 5, 20]
    main_tour(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
