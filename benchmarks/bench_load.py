"""Rerun latency under concurrent sessions, measured through Streamlit's websocket protocol.

    python benchmarks/bench_load.py [--sessions 1 5 20] [--reruns 6] [--markdown]

Starts `streamlit run app.py` on 127.0.0.1 (a free port; stopped at the end), then for each N
opens N sessions at once (the client of tests/load_client.py: what a browser sends, without a
browser). Each session opens a deep link to /recurrence with its own configuration (hidden
8.., T 10..40, its own seed: nothing is cached yet, so this run computes), then reruns
`--reruns` times, switching page each time (data flow, gradients, recurrence, landing, ...;
pages whose run is cached draw only). A latency is the time from sending the rerun request to
the run's script_finished message, as a browser waits for it. Printed per N: p50 and p95 of
the first runs and of the reruns, the wall time, runs that raised or did not finish, and the
server's resident memory after the N sessions.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import load_client  # noqa: E402

TOUR = ("data_flow", "gradients", "recurrence", "", "data_flow", "recurrence")


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    v = sorted(values)
    pos = q * (len(v) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def session(port: int, i: int, level: int, reruns: int, start: asyncio.Event):
    """One session's first run and reruns: (first seconds, [rerun seconds], errors)."""
    query = f"hidden={8 + i % 20}&T={10 + (7 * i) % 31}&seed={1000 * level + i}"
    errors = 0
    await start.wait()
    async with await load_client.Session.open(port) as s:
        first = await s.rerun("recurrence", query, timeout=180)
        errors += bool(first.exceptions) or not first.status.startswith("FINISHED")
        pages = {p.url_pathname for p in s.app_pages}
        times = []
        for n in range(reruns):
            page = TOUR[(n + i) % len(TOUR)]
            if page not in pages:
                page = "recurrence"
            r = await s.rerun(page, "", by_name=False, timeout=180)
            errors += bool(r.exceptions) or not r.status.startswith("FINISHED")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--reruns", type=int, default=6)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if not load_client.AVAILABLE:
        sys.exit(load_client.UNAVAILABLE_REASON)
    rows = []
    with load_client.Server(ROOT) as server:
        for n in args.sessions:
            firsts, reruns, errors, wall = asyncio.run(level(server.port, n, args.reruns))
            rows.append((n, pct(firsts, .5), pct(firsts, .95), pct(reruns, .5),
                         pct(reruns, .95), len(firsts) + len(reruns), errors, wall,
                         rss_mb(server.proc.pid)))
        healthy = asyncio.run(load_client.health(server.port))
    head = ("sessions", "first p50 ms", "first p95 ms", "rerun p50 ms", "rerun p95 ms", "runs",
            "errors", "wall s", "server MB")
    body = [(str(n), f"{f50 * 1e3:.0f}", f"{f95 * 1e3:.0f}", f"{r50 * 1e3:.0f}",
             f"{r95 * 1e3:.0f}", str(runs), str(err), f"{wall:.1f}", f"{mb:.0f}")
            for n, f50, f95, r50, r95, runs, err, wall, mb in rows]
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---:" for _ in head) + "|")
        for row in body:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(h), *(len(r[c]) for r in body)) for c, h in enumerate(head)]
        print("  ".join(h.rjust(w) for h, w in zip(head, widths, strict=True)))
        for row in body:
            print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    print(f"first: the deep link's run (computes); reruns: {args.reruns} page switches per "
          f"session (cached runs draw). Server healthy at the end: {healthy}.")


if __name__ == "__main__":
    main()
