"""Text stays text in Chromium: a link whose values are URLs, a www host, a markdown image and a
markdown link is opened, and the app's warnings show them as written, with no <a> or <img>
pointing at the other site and no request to it (tests/test_text_stays_text.py checks the
escaping itself; this checks what the browser's markdown makes of it).

Its own server and browser, in the fixtures' form of tests/test_browser.py: the test fails on a
console or page error and on a traceback in the server's log.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
from browser_util import (
    EXCEPTION,
    WARNING,
    open_page,
    texts,
)

pytestmark = pytest.mark.browser

JOINER = "\u2060"  # invisible: the app puts it after ":", "@" and "www" (ui.frame.md_escape)
HOSTILE = {"hidden": "https://evil.example/sign-in", "lang": "www.evil.example",
           "src": "![p](http://evil.example/pixel.png)",
           "act": "[Sign in](http://evil.example/login)"}






def test_a_hostile_link_shows_its_values_as_text_with_no_link_or_image(page, base):
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    open_page(page, f"{base}/?{urlencode(HOSTILE)}")
    assert not texts(page, EXCEPTION)
    warnings = [w.replace(JOINER, "") for w in texts(page, WARNING)]
    assert len(warnings) == len(HOSTILE), warnings
    for name, value in HOSTILE.items():
        assert any(f"{name} = {value}" in w for w in warnings), (name, value, warnings)
    evil = page.locator('a[href*="evil.example"], img[src*="evil.example"], '
                        '[src*="evil.example"], [href*="evil.example"]')
    assert evil.count() == 0, [evil.nth(i).evaluate("e => e.outerHTML")
                               for i in range(evil.count())]
    assert page.locator(f"{WARNING} a, {WARNING} img").count() == 0
    assert not [u for u in requested if (urlsplit(u).hostname or "").endswith("evil.example")]
