"""Shared test settings: optional oracles (torch, the browser) skip with a reason, or fail when
CI requires them (REQUIRE_TORCH=1, REQUIRE_BROWSER=1)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
# Figures are checked against plotly's schema in the tests (the app skips the checks for
# speed: viz/theme.py, VALIDATE); the servers the browser tests start run the app as it ships.
os.environ["RNNX_VALIDATE_FIGURES"] = "1"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Machines differ in speed; a property test is about values, not time.
settings.register_profile("project", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("project")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _required(var: str) -> bool:
    return os.environ.get(var, "") not in ("", "0")


def torch_or_skip():
    """Import torch, or skip (fail under REQUIRE_TORCH=1) with the reason."""
    if importlib.util.find_spec("torch") is None:
        reason = "torch is not installed (pip install torch==2.13.0 for the parity tests)"
        if _required("REQUIRE_TORCH"):
            pytest.fail(f"REQUIRE_TORCH=1 but {reason}")
        pytest.skip(reason)
    import torch

    return torch


def browser_or_skip() -> None:
    """Skip (fail under REQUIRE_BROWSER=1) when Playwright or Chromium is missing."""
    problems = []
    if importlib.util.find_spec("playwright") is None:
        problems.append("playwright is not installed (pip install -r requirements-dev.txt)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        problems.append(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    if problems:
        reason = "; ".join(problems)
        if _required("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def torch():
    return torch_or_skip()


# -- the browser tests' fixtures (tests/test_browser*.py) --------------------------------------

def server_clean(server, mark: int) -> None:
    """Fail if the server logged a traceback after `mark` characters of its log."""
    new = server.log_text()[mark:]
    assert "Traceback" not in new, f"the server logged an exception:\n{new[-4000:]}"


@pytest.fixture(scope="module")
def server():
    """The app served on a free port, one per test module."""
    browser_or_skip()
    from browser_util import start_server

    srv = start_server()
    yield srv
    srv.stop()
    srv.log.unlink(missing_ok=True)


@pytest.fixture
def base(server):
    """The module server's base URL; the test fails if the server logs a traceback meanwhile."""
    mark = len(server.log_text())
    yield server.url
    server_clean(server, mark)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright, one per test module (skips without it, see
    browser_or_skip)."""
    browser_or_skip()
    from browser_util import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A page in a context of its own; the test fails on any console or page error."""
    from browser_util import TIMEOUT_MS, VIEWPORT, ConsoleLog

    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    log = ConsoleLog()
    log.attach(pg)
    yield pg
    context.close()
    assert not log.errors, "errors in the browser console:\n" + "\n".join(log.errors)
