"""Serving a class from several processes: `python serve.py` (HAProxy and 2 app workers).

Sessions speak Streamlit's websocket protocol (tests/load_client.py) through the load balancer,
as a browser does: GET / (the page's HTML; HAProxy sets the sticky cookie `rnnx_worker`), then
the websocket with that cookie. HAProxy names the worker that answered in the X-RNNX-Worker
header (serve.haproxy.cfg), which is how the tests see where a request went.

Pinned: new sessions reach both workers; everything a session sends with its cookie (the
websocket, a reconnect, plain HTTP requests such as an upload) reaches the worker that holds
it, while requests without the cookie are spread; each session sees its own numbers through the
balancer; a worker that dies is started again and the class is served meanwhile; SIGTERM,
SIGKILL of the supervisor or HAProxy's exit stop every process.

Needs HAProxy (`apt-get install -y haproxy`); without it these skip, or fail when
REQUIRE_SERVE=1 (CI sets it).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import load_client
import pytest
import serve_client
from serve_client import ServedClass, http_get, lb_cookie, pid_alive
from test_load import _check_common, _check_data_flow, _check_recurrence, query_string

from ui.compute import compute_run
from ui.config import from_query

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = 6
RUN_TIMEOUT = 120.0


def _need_serve() -> None:
    reason = None
    if serve_client.HAPROXY is None:
        reason = "HAProxy is not installed: apt-get install -y haproxy"
    elif not load_client.AVAILABLE:
        reason = load_client.UNAVAILABLE_REASON
    if reason and os.environ.get("REQUIRE_SERVE") == "1":
        pytest.fail(f"REQUIRE_SERVE=1 but {reason}")
    if reason:
        pytest.skip(f"{reason} (REQUIRE_SERVE=1 makes this a failure)")


@pytest.fixture(scope="module")
def served():
    _need_serve()
    with ServedClass(ROOT, workers=2) as s:
        yield s


def _gone_within(pids, seconds: float) -> list[int]:
    """The pids still running after waiting up to `seconds` for all to end."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [p for p in pids if pid_alive(p)]
        if not left:
            return []
        time.sleep(0.2)
    return [p for p in pids if pid_alive(p)]


def test_serve_without_haproxy_says_how_to_install_it():
    out = subprocess.run([sys.executable, "serve.py", "--haproxy", "/nonexistent/haproxy"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "apt-get install -y haproxy" in out.stderr, out.stderr


def test_serve_refuses_a_worker_count_it_cannot_run():
    out = subprocess.run([sys.executable, "serve.py", "--workers", "0"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "--workers: expected 1 to 64 processes, got 0" in out.stderr, out.stderr


def test_serve_refuses_a_port_in_use_before_starting_anything():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run([sys.executable, "serve.py", "--address", "127.0.0.1", "--port",
                              str(port), "--haproxy", sys.executable], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert f"--port: {port} is already in use on 127.0.0.1" in out.stderr, out.stderr
    assert "worker" not in out.stdout, out.stdout


async def _session(i: int, port: int) -> tuple[list[str], str, str]:
    """Session i through the balancer: its page, its websocket, a deep link to /recurrence with
    its own configuration, /data_flow, /recurrence again. (problems, cookie, worker)."""
    params = {"hidden": str(8 + 3 * i), "T": str(12 + 5 * i), "seed": str(500 + i)}
    cfg, bad = from_query(params)
    assert not bad, bad
    run = compute_run(cfg)
    cookie, worker = await asyncio.to_thread(lb_cookie, port)
    problems = []
    async with await load_client.Session.open(port, headers={"Cookie": cookie}) as session:
        ws_worker = session.handshake_headers.get(serve_client.WORKER_HEADER)
        if ws_worker != worker:
            problems.append(f"session {i}: the page came from {worker}, its websocket from "
                            f"{ws_worker} (cookie {cookie})")
        for page, check in (("recurrence", _check_recurrence), ("data_flow", _check_data_flow),
                            ("recurrence", _check_recurrence)):
            first = not session.app_pages
            result = await session.rerun(page, query_string(params) if first else "",
                                         by_name=first or None, timeout=RUN_TIMEOUT)
            where = f"session {i} on {worker} /{page}"
            problems += _check_common(where, result, cfg) + check(where, result, run)
    return problems, cookie, worker


async def _sessions(port: int):
    return await asyncio.gather(*(_session(i, port) for i in range(SESSIONS)))


def test_sessions_reach_both_workers_and_each_sees_its_own_numbers(served):
    outcomes = asyncio.run(asyncio.wait_for(_sessions(served.port), 300))
    problems = [p for out in outcomes for p in out[0]]
    assert not problems, "\n".join(problems) + "\n" + served.output()[-3000:]
    workers = {worker for _, _, worker in outcomes}
    assert workers == {"w1", "w2"}, f"sessions went to {workers}; expected both workers"


def test_a_session_with_its_cookie_always_reaches_its_worker(served):
    # Without the cookie the balancer spreads requests, so "always the same worker" below is
    # the cookie's doing, not an accident of a single busy worker.
    # (A few rounds: a connection still closing from an earlier test may tip the balance.)
    spread = set()
    for _ in range(5):
        spread |= {http_get(served.port, "/_stcore/health")[1].get(serve_client.WORKER_HEADER)
                   for _ in range(6)}
        if spread == {"w1", "w2"}:
            break
        time.sleep(1)
    assert spread == {"w1", "w2"}, f"requests without a cookie all went to {spread}"
    for _ in range(3):
        cookie, worker = lb_cookie(served.port)
        answered = {http_get(served.port, path, cookie)[1].get(serve_client.WORKER_HEADER)
                    for path in ("/", "/_stcore/health", "/recurrence") * 3}
        assert answered == {worker}, f"cookie {cookie} was answered by {answered}"

        async def reconnect(cookie=cookie):
            async with await load_client.Session.open(served.port,
                                                      headers={"Cookie": cookie}) as s:
                return s.handshake_headers.get(serve_client.WORKER_HEADER)

        assert asyncio.run(reconnect()) == worker, "a reconnect went to another worker"


def test_a_worker_that_dies_is_started_again_and_the_class_is_served_meanwhile(served):
    w1 = served.children["w1"]
    mark = len(served.lines)
    os.kill(w1, signal.SIGKILL)
    # while w1 restarts, new sessions are served (by w2: HAProxy's health check took w1 out)
    outcome = asyncio.run(asyncio.wait_for(_session(0, served.port), 120))
    assert not outcome[0], "\n".join(outcome[0])
    assert served.wait_for_line("serve.py: worker w1 pid", 180, after=mark), served.output()
    assert served.children["w1"] != w1 and pid_alive(served.children["w1"])
    deadline = time.monotonic() + 180  # back in the pool once it answers its health check
    while time.monotonic() < deadline:
        cookie = "rnnx_worker=w1"
        if http_get(served.port, "/_stcore/health", cookie)[1].get(
                serve_client.WORKER_HEADER) == "w1":
            break
        time.sleep(1)
    else:
        pytest.fail("the restarted w1 never served again:\n" + served.output()[-3000:])


def test_sigterm_to_serve_stops_haproxy_and_every_worker(served):
    pids = list(served.children.values())
    assert len(pids) == 3 and all(pid_alive(p) for p in pids), served.children
    assert served.stop() == 0, served.output()[-3000:]
    assert not _gone_within(pids, 20), f"still running after serve.py stopped: {pids}"


def test_killing_the_supervisor_outright_still_stops_its_children():
    _need_serve()
    with ServedClass(ROOT, workers=1) as s:
        pids = list(s.children.values())
        os.kill(s.proc.pid, signal.SIGKILL)  # no chance to clean up: the kernel tells them
        left = _gone_within(pids, 30)
        config = re.search(r"\(config (\S+)\)", s.output())
    if config:  # the temporary directory serve.py had no chance to remove
        shutil.rmtree(Path(config.group(1)).parent, ignore_errors=True)
    assert not left, f"still running after serve.py was killed: {left}"


def test_haproxy_exiting_ends_the_class():
    _need_serve()
    with ServedClass(ROOT, workers=1) as s:
        worker = s.worker_pids()
        os.kill(s.children["haproxy"], signal.SIGKILL)
        code = s.proc.wait(60)
        left = _gone_within(worker, 30)
        out = s.output()
    assert code == 1, out[-3000:]
    assert "haproxy exited" in out
    assert not left, f"the worker still runs after HAProxy exited: {left}"
