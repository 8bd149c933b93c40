"""`python serve.py` (several app processes behind HAProxy) as the tests and benchmarks use it.

with ServedClass(root, workers=2) as served:    # waits for its "serving ..." line
    cookie, worker = lb_cookie(served.port)      # what a browser gets with the page's HTML
    session = await load_client.Session.open(served.port, headers={"Cookie": cookie})

serve.py prints one line per child ("serve.py: worker w1 pid 123 on 127.0.0.1:40001",
"serve.py: haproxy pid 130 on ...") and "serve.py: serving ..." once the class can connect;
that is what this reads. Everything is bounded in time and stopped at the end: SIGTERM to the
supervisor first (its own shutdown is under test), then SIGKILL to anything left.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import load_client
from load_client import LoadClientError, free_port

HAPROXY = shutil.which("haproxy")
COOKIE = "rnnx_worker"  # serve.haproxy.cfg
WORKER_HEADER = "x-rnnx-worker"
_CHILD = re.compile(r"^serve\.py: (?:worker (\w+)|(haproxy)) pid (\d+)")


def pid_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
            return True
        except OSError:
            return False


def ours(pid: int) -> bool:
    """`pid` is alive and is serve.py, HAProxy or a Streamlit worker (not a recycled id)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read()
    except OSError:
        return False
    return pid_alive(pid) and any(w in cmd for w in (b"serve.py", b"haproxy", b"streamlit"))


def rss_mb(pids) -> float:
    """Resident memory of these processes together, in MB (gone ones count 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total / 1024


def cpu_seconds(pids) -> float:
    """User + system CPU seconds these processes have used (Linux /proc; gone ones count 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def http_get(port: int, path: str = "/", cookie: str | None = None,
             timeout: float = 30.0) -> tuple[int, dict[str, str]]:
    """GET http://127.0.0.1:port/path: (status, headers with lower-case names; Set-Cookie
    headers joined by newlines)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        resp = conn.getresponse()
        resp.read()
        headers: dict[str, str] = {}
        for name, value in resp.getheaders():
            name = name.lower()
            headers[name] = f"{headers[name]}\n{value}" if name in headers else value
        return resp.status, headers
    finally:
        conn.close()


def lb_cookie(port: int) -> tuple[str, str]:
    """Load the app's page through the load balancer as a new browser does: ("name=value" of
    the sticky cookie it set, the worker that answered)."""
    status, headers = http_get(port, "/")
    if status != 200:
        raise LoadClientError(f"GET / through the load balancer answered {status}")
    for line in headers.get("set-cookie", "").split("\n"):
        pair = line.split(";", 1)[0].strip()
        if pair.startswith(COOKIE + "="):
            return pair, headers.get(WORKER_HEADER, "")
    raise LoadClientError(f"the load balancer set no {COOKIE} cookie: {headers}")


class ServedClass:
    """serve.py with `workers` processes on a free port of 127.0.0.1, stopped on exit."""

    def __init__(self, root, workers: int = 2, start_timeout: float = 180.0):
        self.root, self.workers, self.start_timeout = Path(root), workers, start_timeout
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.children: dict[str, int] = {}  # "w1".. and "haproxy" -> the latest pid
        self.lines: list[str] = []
        self._eof = False  # serve.py's output has ended
        self._cond = threading.Condition()

    def __enter__(self) -> ServedClass:
        self.port = free_port()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("RNNX_VALIDATE_FIGURES", None)  # the app as it ships
        self.proc = subprocess.Popen(
            [sys.executable, "serve.py", "--workers", str(self.workers), "--port",
             str(self.port), "--address", "127.0.0.1", "--start-timeout",
             str(self.start_timeout)],
            cwd=str(self.root), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
            stdin=subprocess.DEVNULL, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        try:
            if not self.wait_for_line("serve.py: serving", self.start_timeout + 60):
                raise LoadClientError("serve.py did not start serving; its output ends:\n"
                                      + self.output()[-3000:])
        except BaseException:
            self.stop()
            raise
        return self

    def _read(self) -> None:
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            with self._cond:
                self.lines.append(line)
                m = _CHILD.match(line)
                if m:
                    self.children[m.group(1) or m.group(2)] = int(m.group(3))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def wait_for_line(self, prefix: str, timeout: float, after: int = 0) -> bool:
        """Wait until a line starting with `prefix` (among lines[after:]) is printed; False on
        timeout or when serve.py has exited without printing it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if any(line.startswith(prefix) for line in self.lines[after:]):
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    return False
                self._cond.wait(min(left, 0.5))

    def output(self) -> str:
        with self._cond:
            return "\n".join(self.lines)

    def worker_pids(self) -> list[int]:
        return [pid for name, pid in self.children.items() if name != "haproxy"]

    def all_pids(self) -> list[int]:
        """The supervisor, HAProxy and the workers."""
        return [self.proc.pid, *self.children.values()]

    def stop(self, timeout: float = 40.0) -> int | None:
        """SIGTERM to serve.py alone and wait; then SIGKILL to whatever is left of it and its
        children. Returns serve.py's exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        code = self.proc.poll()
        if code is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                code = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                code = None
        for pid in [self.proc.pid, *self.children.values()]:
            if ours(pid):
                try:
                    os.killpg(pid, signal.SIGKILL)  # each child leads its own process group
                except (ProcessLookupError, PermissionError):
                    pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        return code

    def __exit__(self, *exc) -> None:
        self.stop()


# ---------------------------------------------------------------------------------------------
# one process or several, the same to a benchmark
# ---------------------------------------------------------------------------------------------

@dataclass
class Target:
    """Where sessions connect, and which processes are the server."""

    port: int
    behind_lb: bool
    worker_pids: object  # () -> [pid]: the Streamlit processes
    all_pids: object  # () -> [pid]: every process of the server (supervisor and HAProxy too)
    alive: object  # () -> bool
    stop: object  # () -> None


@contextlib.contextmanager
def serving(root, workers: int):
    """`streamlit run app.py` for 1 worker, else `python serve.py --workers N`, as a Target."""
    if workers <= 1:
        with load_client.Server(root) as s:
            pids = lambda: [s.proc.pid]  # noqa: E731
            yield Target(s.port, False, pids, pids, s.alive, s.stop)
    else:
        with ServedClass(root, workers=workers) as s:
            yield Target(s.port, True, s.worker_pids, s.all_pids,
                         lambda: s.proc.poll() is None, s.stop)


async def open_session(target: Target) -> load_client.Session:
    """A new browser session: through the balancer, the page first (its sticky cookie)."""
    headers = None
    if target.behind_lb:
        cookie, _ = await asyncio.to_thread(lb_cookie, target.port)
        headers = {"Cookie": cookie}
    return await load_client.Session.open(target.port, headers=headers, timeout=60)
