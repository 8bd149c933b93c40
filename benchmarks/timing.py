"""Timing shared by the benchmarks: the median of N repetitions after a warm-up, with the
garbage collector off while they run, and how much of the CPUs other processes took meanwhile
(on a shared 2-core machine that decides whether a figure can be quoted).

The scripts run as `python benchmarks/bench_x.py`; each puts the project's root on sys.path
and imports this as `benchmarks.timing`.
"""

from __future__ import annotations

import gc
import os
import statistics
import time

CONTENDED = 0.10  # share of all CPUs used by other processes above which a row is marked


def _busy_cpu_seconds() -> float | None:
    """CPU seconds all processes have used since boot (Linux /proc/stat), or None elsewhere."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:8]]
    except (OSError, ValueError):
        return None
    user, nice, system, idle, iowait, irq, softirq = ticks
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    t = os.times()  # every thread of this process, the BLAS and OpenMP pools included
    return t.user + t.system


def _timed_block(fn, reps: int) -> tuple[list[float], float | None]:
    """Wall times of `reps` calls of fn(), and the share of all CPUs that other processes
    used meanwhile (None where /proc/stat cannot be read)."""
    times = []
    gc.collect()
    busy0, own0, wall0 = _busy_cpu_seconds(), _own_cpu_seconds(), time.perf_counter()
    gc.disable()  # a collection in the middle of one repetition is noise, not the code's cost
    try:
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    wall, busy1 = time.perf_counter() - wall0, _busy_cpu_seconds()
    if busy0 is None or busy1 is None:
        return times, None
    other = busy1 - busy0 - (_own_cpu_seconds() - own0)
    return times, max(0.0, other / (wall * (os.cpu_count() or 1)))


def median_time(fn, seconds: float, min_reps: int = 3, max_reps: int = 1000,
                retries: int = 2, stat=statistics.median) -> tuple[float, int, float | None]:
    """Median (or `stat`) wall time of fn() over N repetitions after a warm-up, N chosen so
    that they take about `seconds`; also N and the share of the CPUs that other processes used
    meanwhile (None where it cannot be read).

    With 2 cores and 2 BLAS threads, another busy process slows the loop's small products many
    times over, so a contended run is repeated after a pause, up to `retries` times, and the
    least contended one is kept.
    """
    fn()  # warm-up: first-call allocations, BLAS thread start-up, lazy imports
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    reps = max(min_reps, min(max_reps, int(seconds / max(once, 1e-9))))
    best = None
    for _ in range(retries + 1):
        times, other = _timed_block(fn, reps)
        if best is None or (other is not None and best[2] is not None and other < best[2]):
            best = (stat(times), reps, other)
        if other is None or other <= CONTENDED:
            break
        time.sleep(2.0)
    return best


def fmt_ms(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    ms = seconds * 1e3
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 100 else f"{ms:.1f}"
