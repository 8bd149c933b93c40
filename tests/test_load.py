"""Load: one server, 20 concurrent browser sessions, each with its own configuration.

The sessions speak Streamlit's websocket protocol (tests/load_client.py) rather than drive
Chromium: 20 browser contexts on 2 cores measure the browser, not the app
(STREAMLIT-NOTES.md, "Load"). Each session opens a deep link to /recurrence with its own sizes
in the query string, visits every page the server lists, and comes back to /recurrence. Checked
on every run: it finishes, raises nothing, shows no st.error, and writes the session's own
configuration back to the URL; on the views whose charts hold the run's numbers, the numbers are
those `ui.compute.compute_run` gives for that session's configuration (the hidden-state heatmap
has H rows and T columns and equals h_t exactly), so no session ever sees another's run. At the
end the server still answers /_stcore/health.

The server listens on 127.0.0.1 only, on a free port, and its process group is killed at the end.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import parse_qs

import load_client
import numpy as np
import pytest
from apptest_util import decode, heatmap_z, trace

from ui.compute import compute_run
from ui.config import from_query, to_query

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = 20
BUDGET = 150.0  # seconds for all sessions together: a hard stop, far above the usual ~30 s
RUN_TIMEOUT = 90.0  # one rerun, while 19 other sessions compete for 2 shared cores
SOURCES = ("sine", "square", "noise", "random_walk")


def session_query(i: int) -> dict[str, str]:
    """Session i's own configuration as URL parameters: hidden 8..27, T 10..40, its own seed
    and one of four generated sources (no two sessions share a configuration)."""
    return {"hidden": str(8 + i), "T": str(10 + (7 * i) % 31), "seed": str(100 + i),
            "src": SOURCES[i % len(SOURCES)]}


def query_string(params: dict[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


def _check_common(where: str, result, cfg) -> list[str]:
    """What every run of every page must hold; returns the problems found."""
    problems = []
    if result.status not in ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"):
        problems.append(f"{where}: the run ended with {result.status}")
    if result.exceptions:
        problems.append(f"{where}: the page raised {result.exceptions}")
    if result.alerts("error"):
        problems.append(f"{where}: st.error shown: {result.alerts('error')}")
    url = {k: v[-1] for k, v in parse_qs(result.query_string).items()}
    written, bad = from_query(url)
    if written != cfg or bad:
        problems.append(f"{where}: the URL the page wrote ({result.query_string!r}) does not "
                        f"give the session's configuration {to_query(cfg)}")
    return problems


def _check_recurrence(where: str, result, run) -> list[str]:
    """The hidden-state heatmap is this session's h (H rows, T columns, the same numbers)."""
    charts = result.charts()
    if "rec_heat_0" not in charts:
        return [f"{where}: no hidden-state heatmap (rec_heat_0); charts: {sorted(charts)}"]
    z = heatmap_z(decode(charts["rec_heat_0"])["data"][0])
    expected = run.layers[0][0].h[:, 0].T  # (H, T)
    if z.shape != expected.shape:
        return [f"{where}: heatmap of shape {z.shape}, expected (H, T) = {expected.shape}"]
    if not np.array_equal(z, expected):
        return [f"{where}: heatmap numbers differ from compute_run (max |diff| "
                f"{np.max(np.abs(z - expected)):.3g}): another session's run?"]
    return []


def _check_data_flow(where: str, result, run) -> list[str]:
    charts = result.charts()
    if "df_recurrent" not in charts:
        return [f"{where}: no df_recurrent chart; charts: {sorted(charts)}"]
    w_hh = heatmap_z(trace(decode(charts["df_recurrent"]), "W_hh"))
    if not np.array_equal(w_hh, run.params["weight_hh_l0"]):
        return [f"{where}: W_hh of shape {w_hh.shape} is not this session's "
                f"{run.params['weight_hh_l0'].shape} matrix"]
    return []


def _check_gradients(where: str, result, run) -> list[str]:
    charts = result.charts()
    if "gr_heat_rnn" not in charts:
        return [f"{where}: no gr_heat_rnn chart; charts: {sorted(charts)}"]
    z = heatmap_z(decode(charts["gr_heat_rnn"])["data"][0])
    H, T = run.cfg.hidden_size, run.T
    if z.shape != (H, T):
        return [f"{where}: dL/dh_t heatmap of shape {z.shape}, expected (H, T) = {(H, T)}"]
    return []


PAGE_CHECKS = {"recurrence": _check_recurrence, "data_flow": _check_data_flow,
               "gradients": _check_gradients}


async def _one_session(i: int, port: int, start: asyncio.Event) -> tuple[list[str], list]:
    """Session i's tour: a deep link to /recurrence, every page (switched to as the sidebar's
    links do: by page hash, the URL's query cleared), /recurrence again. Returns (problems,
    (page, seconds) per run)."""
    params = session_query(i)
    cfg, bad = from_query(params)
    assert not bad, bad
    run = compute_run(cfg)
    problems, times = [], []
    await start.wait()  # every session connects before any asks for a run
    async with await load_client.Session.open(port) as session:
        first = await session.rerun("recurrence", query_string(params), timeout=RUN_TIMEOUT)
        times.append(("recurrence", first.seconds))
        problems += _check_common(f"session {i} /recurrence (deep link)", first, cfg)
        problems += _check_recurrence(f"session {i} /recurrence (deep link)", first, run)
        pages = [p.url_pathname for p in session.app_pages]
        if "recurrence" not in pages:
            return problems + [f"session {i}: the server lists no /recurrence: {pages}"], times
        k = i % len(pages)
        tour = [p for p in pages[k:] + pages[:k] if p != "recurrence"] + ["recurrence"]
        for page in tour:
            where = f"session {i} /{page}"
            result = await session.rerun(page, "", by_name=False, timeout=RUN_TIMEOUT)
            times.append((page, result.seconds))
            problems += _check_common(where, result, cfg)
            if page in PAGE_CHECKS:
                problems += PAGE_CHECKS[page](where, result, run)
    return problems, times


async def _drive(port: int) -> tuple[list[str], list]:
    start = asyncio.Event()
    tasks = [asyncio.create_task(_one_session(i, port, start)) for i in range(SESSIONS)]
    await asyncio.sleep(0)
    start.set()
    outcomes = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), BUDGET)
    problems, times = [], []
    for i, out in enumerate(outcomes):
        if isinstance(out, BaseException):
            problems.append(f"session {i}: {type(out).__name__}: {out}")
        else:
            problems += out[0]
            times += out[1]
    return problems, times


def test_twenty_concurrent_sessions_each_see_their_own_numbers_on_every_page():
    if not load_client.AVAILABLE:
        pytest.skip(load_client.UNAVAILABLE_REASON)
    with load_client.Server(ROOT) as server:
        t0 = time.perf_counter()
        problems, times = asyncio.run(_drive(server.port))
        elapsed = time.perf_counter() - t0
        healthy = asyncio.run(load_client.health(server.port))
        alive = server.alive()
        log = server.log_tail()
    assert not problems, "\n".join(problems[:30]) + f"\n(server log ends:)\n{log}"
    pages = {p for p, _ in times}
    assert {"", "data_flow", "recurrence", "gradients"} <= pages, pages
    assert len(times) >= SESSIONS * len(pages), "every session ran every page"
    assert alive and healthy, f"the server is down after the load; its log ends:\n{log}"
    print(f"\n{SESSIONS} sessions, {len(times)} runs over {sorted(pages)} in {elapsed:.1f} s; "
          f"slowest run {max(s for _, s in times):.1f} s")
