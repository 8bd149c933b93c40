"""A small Streamlit client that speaks the browser's websocket protocol, for load tests.

A browser session is one websocket to `/_stcore/stream`. The client sends `BackMsg`s (protobuf,
binary frames) and the server answers with `ForwardMsg`s. What this client does is what the
Streamlit 1.67 frontend does (measured against the server, and read from
`streamlit/web/server/starlette/starlette_websocket.py` and `runtime/pages_manager.py`):

- open `ws://host:port/_stcore/stream` with the subprotocol "streamlit";
- ask for a run with `BackMsg.rerun_script`, a `ClientState` holding the URL's query string
  (without "?") and the page: on a first visit the browser knows only the URL path, so it sends
  `page_name` = the path ("recurrence" for `/recurrence`, "" for the landing page) and the server
  matches it against each page's `url_pathname`; once it has the app's page list (from the
  `new_session` message every run starts with), a page switch sends that page's
  `page_script_hash`;
- read `ForwardMsg`s until `script_finished`. A run that the script cut short with `st.rerun`
  ends with FINISHED_EARLY_FOR_RERUN and a new run follows on its own: keep reading.

Elements arrive as `delta.new_element` (an `Element` oneof: plotly_chart, alert, exception,
...). The client sends no `cached_message_hashes`, so the server never replaces a message by a
reference to one it sent before. A plotly chart's figure is `json.loads(el.plotly_chart.spec)`
with arrays as {"bdata", "dtype", "shape"} (decode them with `apptest_util.decode`); its user
key is the end of the element id, "$$ID-<hash>-<key>".

Everything is bounded: the connection and every run have a timeout; nothing waits forever.
Only for a server on this machine (the tests start one on 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

try:  # websockets >= 13 (Streamlit depends on it); the test skips without it
    from websockets.asyncio.client import connect as _ws_connect
except ImportError:  # pragma: no cover - depends on the environment
    _ws_connect = None

AVAILABLE = _ws_connect is not None
UNAVAILABLE_REASON = ("the websocket client library is missing: pip install 'websockets>=13' "
                      "(Streamlit's own dependency)")

_STATUS = ForwardMsg.ScriptFinishedStatus
FINISHED_OK = (_STATUS.FINISHED_SUCCESSFULLY, _STATUS.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
_ALERT_KINDS = {Alert.ERROR: "error", Alert.WARNING: "warning", Alert.INFO: "info",
                Alert.SUCCESS: "success"}


class LoadClientError(RuntimeError):
    """The server did not answer as a browser session expects (closed, timed out, refused)."""


@dataclass
class RunResult:
    """What one rerun sent back: its elements, how it finished and how long it took."""

    status: str  # name of the ScriptFinishedStatus of the run that completed
    seconds: float  # from sending rerun_script to script_finished
    page_script_hash: str  # the page that ran (from the new_session message)
    elements: list = field(default_factory=list)  # Element protobufs, in arrival order
    query_string: str = ""  # the URL the app wrote (page_info_changed), as the browser keeps it
    app_pages: list = field(default_factory=list)  # AppPage protobufs from new_session
    early_reruns: int = 0  # runs cut short by st.rerun before the one that completed
    auto_reruns: dict = field(default_factory=dict)  # fragment id -> seconds (run_every timers)

    def of_type(self, kind: str) -> list:
        return [getattr(el, kind) for el in self.elements if el.WhichOneof("type") == kind]

    @property
    def exceptions(self) -> list[str]:
        return [f"{ex.type}: {ex.message}" for ex in self.of_type("exception")]

    def widget_id(self, key: str) -> str:
        """The element id of the widget whose user key is `key` (for a click: WidgetState
        with this id and trigger_value set); LoadClientError when the run drew none."""
        for el in self.elements:
            widget = getattr(el, el.WhichOneof("type") or "", None)
            elem_id = getattr(widget, "id", "")
            if isinstance(elem_id, str) and elem_id.startswith("$$ID-") \
                    and elem_id.split("-", 2)[2] == key:
                return elem_id
        raise LoadClientError(f"the run drew no widget with key {key!r}")

    def alerts(self, kind: str | None = None) -> list[str]:
        """Alert bodies (st.error, st.warning, st.info, st.success), optionally of one kind."""
        return [a.body for a in self.of_type("alert")
                if kind is None or _ALERT_KINDS.get(a.format) == kind]

    def charts(self) -> dict[str, dict]:
        """Every plotly chart as {user key: figure dict (typed arrays not yet decoded)}."""
        out = {}
        for chart in self.of_type("plotly_chart"):
            elem_id = chart.id
            key = elem_id.split("-", 2)[2] if elem_id.startswith("$$ID-") else elem_id
            out[key] = json.loads(chart.spec)
        return out


class Session:
    """One browser session: a websocket and the page list the server gave it."""

    def __init__(self, ws):
        self._ws = ws
        self.app_pages: list = []
        self.query_string = ""
        # the handshake's response headers (behind a load balancer: which worker answered)
        response = getattr(ws, "response", None)
        self.handshake_headers = dict(response.headers) if response is not None else {}

    @classmethod
    async def open(cls, port: int, host: str = "127.0.0.1", timeout: float = 30.0,
                   headers: dict | None = None) -> Session:
        """Connect; `headers` go with the handshake (a load balancer's sticky cookie)."""
        if not AVAILABLE:
            raise LoadClientError(UNAVAILABLE_REASON)
        url = f"ws://{host}:{port}/_stcore/stream"
        try:
            ws = await asyncio.wait_for(
                _ws_connect(url, subprotocols=["streamlit"], max_size=256 * 2**20,
                            additional_headers=headers,
                            open_timeout=timeout, ping_interval=None, close_timeout=5),
                timeout)
        except (OSError, asyncio.TimeoutError) as err:
            raise LoadClientError(f"cannot open {url}: {err!r}") from err
        return cls(ws)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._ws.close(), 10)
        except Exception:  # noqa: BLE001 - closing a session that is already gone is fine
            pass

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def page_hash(self, url_pathname: str) -> str:
        """The page_script_hash of the page served at /<url_pathname> ("" = the landing page)."""
        for page in self.app_pages:
            if page.url_pathname == url_pathname or (not url_pathname and page.is_default):
                return page.page_script_hash
        known = [p.url_pathname for p in self.app_pages]
        raise LoadClientError(f"no page at /{url_pathname}; the app has {known}")

    async def rerun(self, page: str | None = None, query_string: str | None = None,
                    by_name: bool | None = None, timeout: float = 60.0,
                    widget_states: list | None = None, fragment_id: str = "",
                    is_auto_rerun: bool = False) -> RunResult:
        """Run `page` (its URL path: "" is the landing page; None reruns the current page) with
        `query_string` (None keeps the URL the app last wrote, as a browser's address bar does)
        and wait for the run to finish. The first request of a session names the page by its
        path, as a browser opening a link does; later ones by its hash (a page switch), unless
        `by_name` says otherwise. `widget_states` (WidgetState protobufs) are what the browser
        sends for widgets the user changed, e.g. a button's click; `fragment_id` with
        `is_auto_rerun` is a fragment's `run_every` tick, as the browser's timer sends it."""
        state = BackMsg()
        cs = state.rerun_script
        cs.query_string = self.query_string if query_string is None else query_string
        if by_name is None:
            by_name = not self.app_pages
        if page is not None:
            if by_name:
                cs.page_name = page
            else:
                cs.page_script_hash = self.page_hash(page)
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        cs.context_info.url = f"http://127.0.0.1/{page or ''}"
        cs.widget_states.SetInParent()
        cs.widget_states.widgets.extend(widget_states or [])
        if fragment_id:
            cs.fragment_id = fragment_id
            cs.is_auto_rerun = is_auto_rerun
        t0 = time.perf_counter()
        await self._ws.send(state.SerializeToString())
        result = await asyncio.wait_for(self._read_run(t0), timeout)
        self.query_string = result.query_string
        return result

    async def _read_run(self, t0: float) -> RunResult:
        elements: list = []
        page_hash, pages, early, timers = "", [], 0, {}
        query = self.query_string
        while True:
            try:
                raw = await self._ws.recv()
            except Exception as err:  # the server closed the connection mid-run
                raise LoadClientError(f"the connection closed during a run: {err!r}") from err
            if isinstance(raw, str):
                raise LoadClientError("the server sent a text frame; expected protobuf bytes")
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                page_hash = msg.new_session.page_script_hash
                pages = list(msg.new_session.app_pages) or pages
                elements = []  # a run after an st.rerun starts the page over
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                elements.append(msg.delta.new_element)
            elif kind == "page_info_changed":
                query = msg.page_info_changed.query_string
            elif kind == "auto_rerun":
                timers[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "navigation":
                pages = list(msg.navigation.app_pages) or pages
            elif kind == "script_finished":
                if msg.script_finished == _STATUS.FINISHED_EARLY_FOR_RERUN:
                    early += 1
                    continue
                if pages:
                    self.app_pages = pages
                name = _STATUS.Name(msg.script_finished)
                return RunResult(status=name, seconds=time.perf_counter() - t0,
                                 page_script_hash=page_hash, elements=elements,
                                 query_string=query, app_pages=pages, early_reruns=early,
                                 auto_reruns=timers)


async def wait_healthy(port: int, timeout: float = 60.0, host: str = "127.0.0.1") -> bool:
    """True once GET /_stcore/health answers "ok" (polled; gives up after `timeout` s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await health(port, host):
            return True
        await asyncio.sleep(0.25)
    return False


async def health(port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> bool:
    """One GET /_stcore/health over a raw socket (no HTTP client dependency)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, asyncio.TimeoutError):
        return False
    try:
        writer.write(f"GET /_stcore/health HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     "Connection: close\r\n\r\n".encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(65536), timeout)  # "Connection: close":
        while len(data) < 65536:  # read to the end, the body may come in a second segment
            more = await asyncio.wait_for(reader.read(65536), timeout)
            if not more:
                break
            data += more
    except (OSError, asyncio.TimeoutError):
        return False
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head.startswith(b"HTTP/1.1 200") and b"ok" in body


# ---------------------------------------------------------------------------------------------
# the server under test
# ---------------------------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` on 127.0.0.1 in its own process group, stopped on exit.

    with Server(root) as server:  # waits for /_stcore/health
        ... server.port ...
    """

    def __init__(self, root, start_timeout: float = 90.0):
        self.root = root
        self.start_timeout = start_timeout
        self.port = 0
        self.proc = None
        self.log_path = None

    def __enter__(self) -> Server:
        import os
        import subprocess
        import sys
        import tempfile

        self.port = free_port()
        log = tempfile.NamedTemporaryFile("w+b", prefix="rnnx_server_", suffix=".log",
                                          delete=False)
        self.log_path = log.name
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("RNNX_VALIDATE_FIGURES", None)  # the app as it ships (viz/theme.py, VALIDATE)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=str(self.root), stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)  # its own process group: killed as a whole at the end
        log.close()
        try:
            ok = asyncio.run(self._wait())
        except BaseException:
            self.stop()
            raise
        if not ok:
            tail = self.log_tail()
            self.stop()
            raise LoadClientError(f"the server did not answer /_stcore/health within "
                                  f"{self.start_timeout:.0f} s; its log ends:\n{tail}")
        return self

    async def _wait(self) -> bool:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if await health(self.port):
                return True
            await asyncio.sleep(0.25)
        return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL if it has not gone after 10 s."""
        import os
        import signal
        import subprocess

        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            pgid = os.getpgid(self.proc.pid)
        except ProcessLookupError:
            return
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def __exit__(self, *exc) -> None:
        self.stop()
        import os

        if self.log_path:
            try:
                os.unlink(self.log_path)
            except OSError:
                pass
