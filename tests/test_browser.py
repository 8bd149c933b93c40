"""The app in Chromium: what a learner sees and clicks, on a real `streamlit run` server.

One server and one browser serve the module; each test has its own browser context (its own
Streamlit session). The deep-link test starts a server of its own, because what it pins is
"a link opened as the first visit after a server start" (DESIGN.md, Navigation). Every test
ends with no console error and no uncaught page error (fixture `page`) and no traceback in the
server's log (fixture `base`).

Full-page screenshots of every page in both languages go to $RNNX_SHOTS (default
/tmp/rnnx_shots; 0 skips them), outside the repository, for a person to look at. Known app bugs
are pinned as strict xfails whose reasons name the file and the fix: the fix turns them into
unexpected passes, which fail until the marker goes.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from browser_util import (
    CHART,
    ERROR,
    EXCEPTION,
    INFO,
    SIDEBAR,
    VIEWPORT,
    WARNING,
    open_page,
    query,
    start_server,
    texts,
    wait_charts_drawn,
    wait_idle,
    wait_query,
)
from conftest import browser_or_skip, server_clean

from ui.frame import PAGES as APP_PAGES
from ui.i18n import STRINGS

pytestmark = pytest.mark.browser

# where the screenshots go; RNNX_SHOTS=0 skips them (a faster run when nobody will look)
SHOTS = os.environ.get("RNNX_SHOTS", "/tmp/rnnx_shots")
# The views the app registers (ui/frame.py PAGES: file, nav key, url path), so a new view is
# loaded, checked and photographed here as soon as it is in the navigation.
VIEW_PATHS = [path for _, _, path in APP_PAGES]
# What the learner must see on the views this suite knows: (heading in English, in Chinese,
# the fewest plotly charts drawn with the defaults; views gain charts as they grow, and one
# that loses a chart fails). A view not listed only has to load cleanly with its tab title.
KNOWN = {"": ("RNN Explorer", "RNN 探索器", 0),
         "data_flow": ("Data flow", "数据流", 4),
         "recurrence": ("Recurrence", "递推", 8)}
REC_CHARTS = KNOWN["recurrence"][2]


def tab_title(path: str, lang: str) -> str:
    """The browser tab's title, as ui.frame sets it: "<view> · <app>" or the app's name."""
    k = 0 if lang == "en" else 1
    app = STRINGS["app.title"][k]
    nav = next(key for _, key, p in APP_PAGES if p == path)
    return f"{STRINGS[nav][k].split('·')[-1].strip()} · {app}" if path else app


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------



@pytest.fixture
def fresh_base():
    """A server of this test's own, not yet visited by any browser."""
    browser_or_skip()
    srv = start_server()
    yield srv.url
    try:
        server_clean(srv, 0)
    finally:
        srv.stop()
        srv.log.unlink(missing_ok=True)




# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def assert_clean(page) -> None:
    """No exception box and no error alert on the page."""
    exc = texts(page, EXCEPTION)
    assert not exc, f"exception on {page.url}:\n" + "\n".join(exc)
    err = texts(page, ERROR)
    assert not err, f"error alert on {page.url}: {err}"


def h1(page) -> str:
    return page.locator("h1").first.inner_text()


def step_value(page, name: str = "recurrence") -> int:
    """The step slider's value as its thumb shows it."""
    thumb = page.locator(f'.st-key-w_{name}_step [data-testid="stSliderThumbValue"]')
    return int(thumb.inner_text())


def step_label(page, name: str = "recurrence") -> str:
    return page.locator(f'.st-key-w_{name}_step [data-testid="stWidgetLabel"]').inner_text()


def choose(page, key: str, option: str) -> None:
    """Pick `option` in the selectbox whose widget key is `key`."""
    page.locator(f'.st-key-{key} [role="combobox"]').click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def sidebar_number(page, label: str):
    return page.locator(SIDEBAR).get_by_label(label, exact=True)


def set_number(page, label: str, value: str) -> None:
    box = sidebar_number(page, label)
    box.fill(value)
    box.press("Enter")
    wait_idle(page)


def wait_share_link(page, name: str, value: str) -> None:
    """Wait until the sidebar's "Share this view" link carries name=value (its code block is
    in the page whether or not the expander is open)."""
    page.wait_for_function(
        """([name, value]) => {
            const code = document.querySelector('[data-testid="stSidebar"] [data-testid="stCode"]');
            if (!code) return false;
            const query = code.textContent.trim().split('?')[1] || '';
            return new URLSearchParams(query).get(name) === value;
        }""", arg=[name, value])
    links = page.locator(f'{SIDEBAR} [data-testid="stCode"]')
    assert links.count() == 1, f"expected one share link in the sidebar, found {links.count()}"


def screenshot(page, name: str) -> Path | None:
    """A full-page screenshot. Streamlit scrolls inside its own containers, so the window is
    made as tall as their content first. None when RNNX_SHOTS=0."""
    if SHOTS in ("", "0"):
        return None
    height = page.evaluate("""() => Math.max(
        ...['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]',
            '[data-testid="stSidebarContent"]', '[data-testid="stMainBlockContainer"]']
          .map(s => document.querySelector(s)).filter(e => e)
          .map(e => e.scrollHeight), window.innerHeight)""")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height) + 40, 16000)})
    page.wait_for_timeout(500)  # plotly redraws at the new size
    wait_idle(page)
    wait_charts_drawn(page)
    path = Path(SHOTS) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(VIEWPORT)
    return path


# ---------------------------------------------------------------------------------------------
# (1) every page loads, in both languages
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", VIEW_PATHS, ids=[p or "home" for p in VIEW_PATHS])
def test_page_loads_with_title_and_charts_and_no_error(page, base, path):
    """Each view opened by its URL, checked and photographed in English, then switched to
    Chinese in place (a rerun, cheaper than a second visit), checked and photographed again."""
    open_page(page, f"{base}/{path}")
    for lang in ("en", "zh"):
        if lang == "zh":
            page.locator(".st-key-w_lang").get_by_role("radio", name="中文").click()
            wait_idle(page)
        wait_charts_drawn(page)
        assert_clean(page)
        if lang == "en":  # the title after the switch: test_tab_title_follows_the_language
            assert page.title() == tab_title(path, lang)
        heading = h1(page)
        drawn = page.locator(CHART).count()
        assert page.locator(".js-plotly-plot").count() == drawn
        if path in KNOWN:
            en, zh, charts = KNOWN[path]
            assert (zh if lang == "zh" else en) in heading
            assert drawn >= charts if charts else drawn == 0
        if lang == "zh":
            assert re.search(r"[\u4e00-\u9fff]", heading), heading  # the heading is translated
            wait_query(page, "lang", "zh")  # the link keeps the language
        # the shared sidebar: a link to every view, whichever page was opened first
        links = page.locator(f'{SIDEBAR} [data-testid="stPageLink-NavLink"]')
        assert links.count() == len(APP_PAGES)
        screenshot(page, f"{path or 'home'}_{lang}")

# ---------------------------------------------------------------------------------------------
# (2) the hidden size: typed, written to the URL, refused out of range
# ---------------------------------------------------------------------------------------------

def test_hidden_size_goes_to_url_and_out_of_range_is_refused(page, base):
    open_page(page, f"{base}/recurrence")
    set_number(page, "Hidden size H", "32")
    wait_query(page, "hidden", "32")
    wait_charts_drawn(page)
    assert_clean(page)

    set_number(page, "Hidden size H", "5000")
    errors = texts(page, f"{SIDEBAR} {ERROR}")
    assert len(errors) == 1 and "1 to 1024" in errors[0] and "kept 32" in errors[0], errors
    assert not texts(page, EXCEPTION)
    assert query(page).get("hidden") == "32"  # the configuration kept the previous value
    assert page.locator(CHART).count() >= REC_CHARTS  # and the page still draws with it
    screenshot(page, "recurrence_en_hidden_refused")


# ---------------------------------------------------------------------------------------------
# (3) stepping: next, the slider, play and pause
# ---------------------------------------------------------------------------------------------

def test_step_next_and_slider_move_the_step_and_the_link(page, base):
    open_page(page, f"{base}/recurrence")
    assert step_value(page) == 1
    page.locator(".st-key-recurrence_next button:visible").click()
    wait_idle(page)
    assert step_value(page) == 2
    wait_query(page, "step", "2")
    wait_share_link(page, "step", "2")  # the step is a fragment: its rerun redraws the link

    page.locator('.st-key-w_recurrence_step input[type="range"]').focus()
    page.keyboard.press("ArrowRight")
    wait_idle(page)
    assert step_value(page) == 3
    wait_query(page, "step", "3")

    page.locator(".st-key-recurrence_prev button:visible").click()
    wait_idle(page)
    assert step_value(page) == 2
    wait_query(page, "step", "2")
    wait_share_link(page, "step", "2")
    wait_charts_drawn(page)
    assert_clean(page)


def test_play_advances_the_step_and_pause_stops_it(page, base):
    from playwright.sync_api import expect  # here: without playwright the module still loads

    open_page(page, f"{base}/recurrence?step=3")
    play = page.locator(".st-key-recurrence_play button:visible")
    assert "Play" in play.inner_text()
    play.click()
    page.wait_for_timeout(3000)  # a tick every 0.6 s, fewer on a slow machine
    assert "Pause" in play.inner_text()
    played = step_value(page)
    assert played >= 5, f"the step did not advance while playing (at {played})"
    play.click()
    expect(play).to_contain_text("Play", timeout=15_000)  # ticks keep the run state flipping
    wait_idle(page)
    paused = step_value(page)
    assert paused >= played
    page.wait_for_timeout(1500)
    wait_idle(page)
    assert step_value(page) == paused, "the step still moves after Pause"
    wait_query(page, "step", str(paused))
    wait_charts_drawn(page)
    assert_clean(page)


# ---------------------------------------------------------------------------------------------
# (4) the language switch
# ---------------------------------------------------------------------------------------------

def test_language_switch_to_chinese_and_back(page, base):
    open_page(page, f"{base}/recurrence")
    lang = page.locator(".st-key-w_lang")
    lang.get_by_role("radio", name="中文").click()
    wait_idle(page)
    assert "递推" in h1(page)
    assert sidebar_number(page, "隐藏维度 H").count() == 1  # the sidebar is translated too
    wait_query(page, "lang", "zh")
    assert_clean(page)

    lang.get_by_role("radio", name="English").click()
    wait_idle(page)
    assert "Recurrence" in h1(page)
    assert sidebar_number(page, "Hidden size H").count() == 1
    wait_query(page, "lang", None)
    assert_clean(page)


def test_tab_title_follows_the_language_switch(page, base):
    open_page(page, f"{base}/recurrence")
    page.locator(".st-key-w_lang").get_by_role("radio", name="中文").click()
    wait_idle(page)
    assert "递推" in h1(page)
    assert page.title() == tab_title("recurrence", "zh")


# ---------------------------------------------------------------------------------------------
# (5) a deep link as the first visit after a server start
# ---------------------------------------------------------------------------------------------

def test_deep_link_as_first_visit_after_server_start(fresh_base, page):  # page closes first
    open_page(page, f"{fresh_base}/recurrence?hidden=32&T=40&step=7&lang=zh")
    wait_charts_drawn(page)
    assert_clean(page)
    assert not texts(page, WARNING)
    assert "递推" in h1(page)
    assert step_value(page) == 7
    assert "40" in step_label(page)
    assert sidebar_number(page, "隐藏维度 H").input_value() == "32"
    assert page.locator(CHART).count() >= REC_CHARTS
    q = query(page)
    assert (q.get("hidden"), q.get("T"), q.get("step"), q.get("lang")) == ("32", "40", "7", "zh")


# ---------------------------------------------------------------------------------------------
# (6) a link with broken parameters
# ---------------------------------------------------------------------------------------------

def test_broken_link_parameters_warn_and_the_rest_applies(page, base):
    open_page(page, f"{base}/recurrence?hidden=abc&T=99999&out=6&step=3")
    warnings = " ".join(texts(page, WARNING))
    assert "hidden = abc" in warnings and "T = 99999" in warnings, warnings
    assert_clean(page)
    # the good parameters apply, the bad ones keep their defaults
    assert sidebar_number(page, "Output size O").input_value() == "6"
    assert sidebar_number(page, "Hidden size H").input_value() == "16"
    assert "24" in step_label(page)
    assert step_value(page) == 3
    q = query(page)
    assert q.get("out") == "6" and "hidden" not in q and "T" not in q, q
    assert page.locator(CHART).count() >= REC_CHARTS


# ---------------------------------------------------------------------------------------------
# (7) a text as the sequence
# ---------------------------------------------------------------------------------------------

def _use_text(page, text: str) -> None:
    box = page.locator(".st-key-w_text textarea")
    box.fill(text)
    box.press("Control+Enter")  # a text area sends its value on Ctrl+Enter or on blur
    wait_idle(page)


def data_captions(page) -> list[str]:
    """The "Set by the data: n" captions under sequence length and input size."""
    return [c for c in texts(page, f'{SIDEBAR} [data-testid="stCaptionContainer"]')
            if c.startswith("Set by the data")]


def test_text_source_sets_length_and_input_size(page, base):
    open_page(page, f"{base}/recurrence")
    choose(page, "w_source", "characters of a text (one-hot)")
    _use_text(page, "hello rnn")  # 9 characters, 7 distinct: T = 9, D = 7
    wait_charts_drawn(page)
    assert_clean(page)
    assert "(1 to 9)" in step_label(page)
    assert data_captions(page) == ["Set by the data: 9", "Set by the data: 7"]
    q = query(page)
    assert (q.get("src"), q.get("text")) == ("text", "hello rnn"), q
    assert page.locator(CHART).count() >= REC_CHARTS

    _use_text(page, "")  # refused: the previous text stays in use
    errors = texts(page, f"{SIDEBAR} {ERROR}")
    assert len(errors) == 1 and "empty" in errors[0], errors
    assert not texts(page, EXCEPTION)
    assert query(page).get("text") == "hello rnn"
    assert "(1 to 9)" in step_label(page)


def test_data_sized_fields_show_the_size_of_the_current_data(page, base):
    open_page(page, f"{base}/recurrence")
    choose(page, "w_source", "characters of a text (one-hot)")
    _use_text(page, "hello rnn")
    shown = (page.locator(".st-key-w_seq_len_data input").input_value(),
             page.locator(".st-key-w_input_size_data input").input_value())
    assert shown == ("9", "7"), f"the boxes show T, D = {shown}; {data_captions(page)}"


# ---------------------------------------------------------------------------------------------
# (8) an uploaded CSV, then a broken one
# ---------------------------------------------------------------------------------------------

def test_csv_upload_then_bad_csv_names_row_and_column(page, base, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("a,b\n" + "".join(f"{i / 10},{1 - i / 10}\n" for i in range(6)))
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,x\n4,5\n")
    upload = 'input[data-testid="stFileUploaderDropzoneInput"]'

    open_page(page, f"{base}/recurrence")
    choose(page, "w_source", "file upload (CSV, TSV, .npy)")
    assert any("No file uploaded yet" in s for s in texts(page, INFO))
    assert page.locator(CHART).count() == 0
    assert_clean(page)

    page.set_input_files(upload, str(good))
    # the file goes up over HTTP before the rerun starts: wait for what the run shows
    page.locator(SIDEBAR).get_by_text("Loaded good.csv").wait_for()
    wait_idle(page)
    wait_charts_drawn(page)
    assert_clean(page)
    assert "Loaded good.csv: 6 steps × 2 features" in page.locator(SIDEBAR).inner_text()
    assert "6" in step_label(page)
    assert page.locator(CHART).count() >= REC_CHARTS

    page.set_input_files(upload, str(bad))
    page.locator(ERROR).first.wait_for()
    wait_idle(page)
    errors = texts(page, ERROR)
    assert len(errors) == 1, errors
    assert "Row 3, column 2" in errors[0] and '"x" is not a number' in errors[0], errors
    assert not texts(page, EXCEPTION)
    screenshot(page, "recurrence_en_bad_csv")


# ---------------------------------------------------------------------------------------------
# a page control must not take a configuration field's URL name
# ---------------------------------------------------------------------------------------------

def test_data_flow_link_keeps_output_size(page, base):
    """The output-unit control was once called "out", output_size's URL name: ?out=7 then set
    O = 7, warned that 7 is outside 0 to 6, and wrote out=0 back into the link."""
    open_page(page, f"{base}/data_flow?out=7")
    assert_clean(page)
    assert not texts(page, WARNING)
    assert sidebar_number(page, "Output size O").input_value() == "7"
    wait_query(page, "out", "7", timeout_ms=3000)


# ---------------------------------------------------------------------------------------------
# (9) the training lab: a few hundred steps, and the curve moves while it trains
# ---------------------------------------------------------------------------------------------

_CURVE = """key => {
    const el = document.querySelector(`.st-key-${key} .js-plotly-plot`);
    if (!el || !el._fullData || !el._fullData.length) return null;
    const raw = el._fullData[0], smooth = el._fullData[1];  // arrays decoded by plotly
    return {n: raw.x.length, first: raw.y[0], last: smooth.y[smooth.y.length - 1]};
}"""


def curve(page, key: str = "training_loss") -> dict | None:
    """The live loss curve as drawn: points, the first raw loss, the last smoothed loss."""
    return page.evaluate(_CURVE, key)


def test_training_runs_a_few_hundred_steps_and_the_curve_moves(page, base):
    open_page(page, f"{base}/training?steps=600")
    assert curve(page) is None  # nothing trained yet
    page.locator(".st-key-training_train button").click()
    page.wait_for_function(f"() => ({_CURVE})('training_loss')?.n > 0")
    seen = curve(page)["n"]
    assert seen < 600, "the curve was not drawn until training ended"
    # drawn again while it trains: the curve grows without the page being reloaded
    page.wait_for_function(f"() => ({_CURVE})('training_loss')?.n > {seen}")
    page.wait_for_function(f"() => ({_CURVE})('training_loss')?.n === 600", timeout=120_000)
    wait_idle(page)
    done = curve(page)
    assert done["last"] < 0.5 * done["first"], done  # the loss fell
    assert page.locator(".st-key-training_train button").is_disabled()  # done
    wait_charts_drawn(page)
    assert_clean(page)
    screenshot(page, "training_sine_trained")


def test_training_reverses_sequences_with_attention(page, base):
    open_page(page, f"{base}/training?task=3&s2sctx=4&s2slen=6&steps=250")
    page.locator(".st-key-training_train button").click()
    page.wait_for_function(f"() => ({_CURVE})('training_loss')?.n === 250", timeout=120_000)
    wait_idle(page)
    wait_charts_drawn(page)
    assert page.locator(".st-key-training_s2s_attention .js-plotly-plot").count() == 1
    assert page.locator(".st-key-training_s2s_positions .js-plotly-plot").count() == 1
    assert_clean(page)
    screenshot(page, "training_reverse_attention")


def test_data_flow_step_reruns_the_step_views_and_updates_the_link(page, base):
    """The data-flow step lives in a fragment: moving it redraws the step's tensors and the
    link follows, with the sidebar and the parameter table left as they were."""
    open_page(page, f"{base}/data_flow?T=6")
    x_t = """() => {
        const el = document.querySelector('.st-key-df_input .js-plotly-plot');
        return el && el._fullData ? Array.from(el._fullData[1].z.flat()) : null;
    }"""
    before = page.evaluate(x_t)
    assert before, "no x_t panel"
    page.locator('.st-key-w_data_flow_step input[type="range"]').focus()
    page.keyboard.press("ArrowRight")
    wait_idle(page)
    wait_query(page, "step", "2")
    wait_share_link(page, "step", "2")
    page.wait_for_function(f"() => JSON.stringify(({x_t})()) !== {json.dumps(json.dumps(before))}")
    wait_charts_drawn(page)
    assert_clean(page)
