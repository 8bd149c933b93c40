"""Serve a class from several app processes behind HAProxy, with one command.

    python serve.py --workers 2 --port 8501            # then open http://<this machine>:8501

One Streamlit process runs its sessions' Python on one core at a time (the interpreter's
lock), so a busy class waits on one core while the others idle. This starts `--workers`
processes of `streamlit run app.py`, each on a free port on 127.0.0.1, waits until each answers
/_stcore/health, then runs HAProxy in the foreground on `--address:--port` with a generated
configuration (serve.haproxy.cfg, filled in, in a temporary directory):

- sticky sessions by a cookie HAProxy inserts (`rnnx_worker`), not by the learner's address: a
  classroom behind one NAT shares one IP. A session's websocket, its reconnects and its uploads
  reach the process that holds the session's state;
- new sessions go to the worker with the fewest open connections (a session is one websocket);
- websockets pass through (HTTP/1.1 Upgrade), kept open as long as the tab is;
- a worker is used only while /_stcore/health answers; one that exits is started again on its
  port and rejoins.

Ctrl-C or SIGTERM stops HAProxy, then every worker, and removes the temporary directory. On
Linux the children are also killed if this process is killed outright.

Needs HAProxy: `apt-get install -y haproxy` (Debian/Ubuntu). Each worker's output is printed
with its name in front; options after `--` go to every `streamlit run` (e.g.
`-- --server.maxUploadSize 10`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TEMPLATE = ROOT / "serve.haproxy.cfg"
MAX_RESTARTS = 5  # a worker that exits this often within RESTART_WINDOW s stops the class
RESTART_WINDOW = 60.0

# Run in each child before it becomes streamlit or haproxy: ask Linux to kill it when this
# supervisor dies (even by SIGKILL), so no worker outlives it; elsewhere a no-op. SIGKILL, not
# SIGTERM: a Streamlit whose output pipe has closed with the supervisor does not finish its
# graceful stop (it fails printing "Stopping...").
_EXEC_WITH_PARENT = (
    "import os, signal, sys\n"
    "try:\n"
    "    import ctypes\n"
    "    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG\n"
    "except (OSError, AttributeError):\n"
    "    pass\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit('serve.py: the supervisor is gone')\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def log(message: str) -> None:
    print(f"serve.py: {message}", flush=True)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on `host` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_free(address: str, port: int) -> bool:
    """True when nothing listens on address:port (HAProxy can bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as HAProxy binds
        try:
            s.bind((address, port))
        except OSError:
            return False
    return True


def healthy(port: int, timeout: float = 5.0) -> bool:
    """True when GET http://127.0.0.1:port/_stcore/health answers 200 "ok"."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                    timeout=timeout) as r:
            return r.status == 200 and b"ok" in r.read()
    except OSError:
        return False


def haproxy_config(bind: str, workers: list[tuple[str, int]]) -> str:
    """serve.haproxy.cfg filled in: `bind` is "address:port", workers [(name, port)]; each
    worker's name is also its sticky cookie's value."""
    servers = "\n".join(f"    server {name} 127.0.0.1:{port} cookie {name}"
                        for name, port in workers)
    return string.Template(TEMPLATE.read_text()).substitute(bind=bind, servers=servers)


class Child:
    """One supervised process: its own process group, its output printed line by line with its
    name in front (Streamlit's "You can now view ... URL" banner dropped: the class uses the
    load balancer's address)."""

    def __init__(self, name: str, argv: list[str], env: dict | None = None):
        self.name, self.argv, self.env = name, argv, env
        self.proc: subprocess.Popen | None = None
        self.starts: list[float] = []

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _EXEC_WITH_PARENT, str(os.getpid()), *self.argv],
            cwd=str(ROOT), env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.starts.append(time.monotonic())
        threading.Thread(target=self._relay, args=(self.proc,), daemon=True).start()

    def _relay(self, proc: subprocess.Popen) -> None:
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            if line and "You can now view" not in line and "URL: http" not in line:
                print(f"[{self.name}] {line}", flush=True)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to the child's process group; SIGKILL if it has not gone after `grace` s."""
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            if self.proc.poll() is not None:
                return
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


class Stop(Exception):
    """Raised in the main loop by SIGINT / SIGTERM."""


def _on_signal(signum, _frame):
    raise Stop(signal.Signals(signum).name)


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="Options after -- go to every `streamlit run`.")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="app processes to start, about one per core (default: %(default)s)")
    p.add_argument("--port", type=int, default=8501, help="the class's port (default 8501)")
    p.add_argument("--address", default="0.0.0.0",
                   help="the address HAProxy listens on (default 0.0.0.0: every interface; "
                        "127.0.0.1 for this machine only)")
    p.add_argument("--haproxy", default=shutil.which("haproxy") or "",
                   help="the haproxy binary (default: the one on PATH)")
    p.add_argument("--start-timeout", type=float, default=120.0,
                   help="seconds each worker may take to answer its health check")
    args = p.parse_args(argv)
    if not 1 <= args.workers <= 64:
        p.error(f"--workers: expected 1 to 64 processes, got {args.workers}")
    if not 1 <= args.port <= 65535:
        p.error(f"--port: expected a TCP port 1 to 65535, got {args.port}")
    if not port_free(args.address, args.port):
        p.error(f"--port: {args.port} is already in use on {args.address} (another server?); "
                "choose a free one")
    if not args.haproxy or not os.access(args.haproxy, os.X_OK):
        p.error("HAProxy was not found (looked for `haproxy` on PATH): install it with "
                "`apt-get install -y haproxy`, or name the binary with --haproxy")
    return args, extra


def worker_argv(port: int, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.headless", "true",
            "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false", *extra]


def wait_healthy(workers: list[tuple[Child, int]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(workers)
    while pending:
        for child, port in list(pending.items()):
            if not child.alive():
                raise RuntimeError(f"worker {child.name} exited with code "
                                   f"{child.proc.returncode} before it answered its health "
                                   "check (its output is above)")
            if healthy(port, timeout=2.0):
                del pending[child]
        if pending and time.monotonic() > deadline:
            names = ", ".join(c.name for c in pending)
            raise RuntimeError(f"worker(s) {names} did not answer /_stcore/health within "
                               f"{timeout:.0f} s (see --start-timeout)")
        time.sleep(0.25)


def supervise(workers: list[tuple[Child, int]], lb: Child) -> int:
    """Watch the children until a signal: a worker that exits is started again (unless it keeps
    exiting); HAProxy exiting ends the class. Returns the exit code."""
    while True:
        time.sleep(0.5)
        if not lb.alive():
            log(f"haproxy exited with code {lb.proc.returncode}: stopping the workers")
            return 1
        for child, _port in workers:
            if child.alive():
                continue
            now = time.monotonic()
            recent = [t for t in child.starts if now - t < RESTART_WINDOW]
            if len(recent) >= MAX_RESTARTS:
                log(f"worker {child.name} exited {len(recent)} times within "
                    f"{RESTART_WINDOW:.0f} s: stopping the class")
                return 1
            log(f"worker {child.name} exited with code {child.proc.returncode}: starting it "
                "again (HAProxy sends new sessions elsewhere until it answers)")
            child.start()
            log(f"worker {child.name} pid {child.proc.pid} on 127.0.0.1:{_port}")


def main(argv: list[str] | None = None) -> int:
    args, extra = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    tmp = Path(tempfile.mkdtemp(prefix="rnnx_serve_"))
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    workers: list[tuple[Child, int]] = []
    lb: Child | None = None
    code = 0
    try:
        for i in range(args.workers):
            port = free_port()
            child = Child(f"w{i + 1}", worker_argv(port, extra), env)
            child.start()
            workers.append((child, port))
            log(f"worker {child.name} pid {child.proc.pid} on 127.0.0.1:{port}")
        wait_healthy(workers, args.start_timeout)
        cfg = tmp / "haproxy.cfg"
        cfg.write_text(haproxy_config(f"{args.address}:{args.port}",
                                      [(c.name, p) for c, p in workers]))
        check = subprocess.run([args.haproxy, "-c", "-q", "-f", str(cfg)], capture_output=True,
                               text=True, timeout=30)
        if check.returncode != 0:
            raise RuntimeError(f"haproxy refused the generated {cfg}:\n"
                               f"{check.stdout}{check.stderr}")
        lb = Child("haproxy", [args.haproxy, "-db", "-f", str(cfg)])
        lb.start()
        log(f"haproxy pid {lb.proc.pid} on {args.address}:{args.port} (config {cfg})")
        deadline = time.monotonic() + 30
        while lb.alive() and not healthy_via(args.address, args.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"haproxy did not answer on {args.address}:{args.port} "
                                   "within 30 s")
            time.sleep(0.25)
        if not lb.alive():
            raise RuntimeError(f"haproxy exited with code {lb.proc.returncode} (is port "
                               f"{args.port} in use? see its output above)")
        where = f"http://{_local(args.address)}:{args.port}"
        if args.address in ("0.0.0.0", ""):
            where += f" (learners: http://{socket.gethostname()}:{args.port} or this machine's IP)"
        log(f"serving {args.workers} workers at {where}; Ctrl-C stops everything")
        code = supervise(workers, lb)
    except Stop as sig:
        log(f"{sig}: stopping")
    except RuntimeError as err:
        log(f"error: {err}")
        code = 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut this short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if lb is not None:
            lb.stop()
        for child, _ in workers:
            child.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        log("stopped")
    return code


def _local(address: str) -> str:
    """Where this machine reaches a listener bound to `address`."""
    return "127.0.0.1" if address in ("0.0.0.0", "") else address


def healthy_via(address: str, port: int) -> bool:
    """The health check through the load balancer (any worker answers)."""
    try:
        with urllib.request.urlopen(f"http://{_local(address)}:{port}/_stcore/health",
                                    timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
