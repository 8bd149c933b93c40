"""Helpers for the browser tests: a Streamlit server in a subprocess, Chromium's flags, waiting
for a rerun to finish, and the page's console errors.

Selectors and timing facts are those measured in ../shared/STREAMLIT-NOTES.md (Browser).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# the app to serve; RNNX_APP_ROOT points the suite at another checkout (a patched copy, say)
ROOT = Path(os.environ.get("RNNX_APP_ROOT") or Path(__file__).resolve().parent.parent)
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
TIMEOUT_MS = 60_000  # a cold run of a page on 2 busy cores takes several seconds
VIEWPORT = {"width": 1400, "height": 1000}

EXCEPTION = '[data-testid="stException"]'
ERROR = '[data-testid="stAlert"]:has([data-testid="stAlertContentError"])'
WARNING = '[data-testid="stAlert"]:has([data-testid="stAlertContentWarning"])'
INFO = '[data-testid="stAlert"]:has([data-testid="stAlertContentInfo"])'
CHART = '[data-testid="stPlotlyChart"]'
SIDEBAR = '[data-testid="stSidebar"]'


# ---------------------------------------------------------------------------------------------
# the server
# ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A `streamlit run app.py` in its own process group, logging to a temporary file."""

    url: str
    proc: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)


def start_server(timeout: float = 60.0) -> Server:
    """Start the app on a free port and wait until /_stcore/health answers "ok"."""
    port = free_port()
    # the app as it ships: figures unchecked (viz/theme.py, VALIDATE), whatever the tests set
    env = {k: v for k, v in os.environ.items() if k != "RNNX_VALIDATE_FIGURES"}
    fd, log_name = tempfile.mkstemp(prefix="rnnx_streamlit_", suffix=".log")
    log = Path(log_name)
    with os.fdopen(fd, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)  # its own process group, so stop() ends its children too
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{server.log_text()}")
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return server
        except OSError:
            pass
        time.sleep(0.25)
    server.stop()
    raise RuntimeError(f"streamlit not healthy after {timeout} s:\n{server.log_text()}")


# ---------------------------------------------------------------------------------------------
# the page
# ---------------------------------------------------------------------------------------------

_IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app !== null
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && document.querySelector('[data-testid="stSkeleton"]') === null;
}"""


def wait_idle(page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until the current run has finished. The state attribute lags a click by a moment,
    so wait a little first (STREAMLIT-NOTES.md)."""
    page.wait_for_timeout(300)
    page.wait_for_function(_IDLE, timeout=timeout_ms)


def wait_charts_drawn(page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until every plotly chart element has drawn its SVG (plotly draws after the run)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                 .every(c => c.querySelector('.js-plotly-plot .main-svg') !== null)""",
        timeout=timeout_ms)


def open_page(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_idle(page)


def texts(page, selector: str) -> list[str]:
    return [el.inner_text() for el in page.locator(selector).all()]


def query(page) -> dict[str, str]:
    """The page URL's query parameters (the last value of each)."""
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(page.url).query, keep_blank_values=True))


def wait_query(page, name: str, value: str | None, timeout_ms: int = 15_000) -> None:
    """Wait until the URL's parameter `name` is `value` (None: absent); the frontend writes the
    URL shortly after the run that set it."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        if query(page).get(name) == value:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"URL parameter {name}={value!r} never appeared; URL is {page.url}")


# Streamlit's frontend, opened on a page path such as /recurrence, first probes
# /recurrence/_stcore/health and /recurrence/_stcore/host-config (404) before it finds the
# server's root; Chromium logs each 404 as a console error. A Streamlit bug, not the app's:
# https://github.com/streamlit/streamlit/issues/7074 (open), and the PR that notes it is left
# unfixed: https://github.com/streamlit/streamlit/pull/11537. Measured here with Streamlit
# 1.67: exactly these two requests, on every page but "/". Only they are ignored.
_KNOWN_404 = re.compile(r"^https?://[^/]+/[^/?#]+/_stcore/(health|host-config)$")


@dataclass
class ConsoleLog:
    """The console errors and uncaught page errors of one page (all its navigations)."""

    errors: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda err: self.errors.append(f"pageerror: {err}"))

    def _on_console(self, msg) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        text = f"console.error: {msg.text} (at {where})"
        if msg.text.startswith("Failed to load resource") and "404" in msg.text \
                and _KNOWN_404.match(where):
            self.ignored.append(text)
        else:
            self.errors.append(text)
