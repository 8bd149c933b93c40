"""The time control shared by views that step through a sequence: previous, slider, next, play.

Play advances one step per tick of a fragment (`st.fragment(run_every=...)`), so nothing is
recomputed: the run is cached and only the step-dependent drawing reruns. Any control stops it.
"""

from __future__ import annotations

import time

import streamlit as st

from .frame import PAGE_KEY, PAGE_NAME_KEY, W, page_int, set_page_int, t

PLAY_INTERVAL = 0.6  # seconds per step while playing (steady enough to follow in class)


def _key(suffix: str) -> str:
    return f"{st.session_state.get(PAGE_NAME_KEY, '')}_{suffix}"


def playing() -> bool:
    return bool(st.session_state.get(_key("playing"), False))


def _stop() -> None:
    """Stop play, and put the interactive slider at the stored step (it was not drawn while
    playing, or holds a value from before)."""
    ss = st.session_state
    ss[_key("playing")] = False
    stored = ss.get(PAGE_KEY, {}).get(ss.get(PAGE_NAME_KEY, ""), {}).get("step")
    if stored is not None:
        ss[f"{W}{_key('step')}"] = stored


def _shift(delta: int, hi: int) -> None:
    _stop()
    step = min(max(page_int("step", 1, 1, hi) + delta, 1), hi)
    set_page_int("step", step)
    st.session_state[f"{W}{_key('step')}"] = step


def _toggle_play(hi: int) -> None:
    key = f"{W}{_key('step')}"
    if playing():
        _stop()
        # the slider may report a value a tick behind: the stored step is the one shown
        st.session_state[key] = page_int("step", 1, 1, hi)
        return
    if page_int("step", 1, 1, hi) >= hi:  # at the end: play from the start
        set_page_int("step", 1)
        st.session_state[key] = 1
    st.session_state[_key("playing")] = True
    st.session_state[_key("armed")] = True  # the full rerun this click causes must not stop it
    st.session_state[_key("last_tick")] = time.monotonic()


def play_button(T: int) -> None:
    """Play / Pause, drawn outside the fragment: its click reruns the whole page, which sets
    the fragment's timer (a fragment's run_every is fixed when the page runs in full)."""
    st.button(t("step.pause") if playing() else t("step.play"), key=_key("play"),
              on_click=_toggle_play, args=(T,), disabled=T <= 1, type="primary")


def stop_unless_armed() -> None:
    """Call once per full run of the page: a full run that the play button did not cause came
    from another control, and any control stops play."""
    st.session_state.setdefault(_key("playing"), False)
    if st.session_state.pop(_key("armed"), False):
        return
    if playing():  # (a slider the user moved keeps its value: only play's own state resets)
        _stop()


def run_every() -> float | None:
    """The fragment's tick interval: PLAY_INTERVAL while playing, else None."""
    return PLAY_INTERVAL if playing() else None


def step_control(T: int, timer_on: bool) -> int:
    """Draw previous / slider / next for steps 1..T inside the fragment whose `run_every` was
    `run_every()` at the last full run (`timer_on`), and return the current step.

    While playing, each tick advances one step (play stops at T), shown on a disabled slider of
    its own. When not playing, a slider value that differs from the stored step is the user's
    move. ◀ and ▶
    stop play; the mismatch with the fragment's timer then asks for a full rerun."""
    if playing() != timer_on:
        st.session_state[_key("armed")] = playing()
        st.rerun(scope="app")
    key = f"{W}{_key('step')}"
    step = page_int("step", 1, 1, T)
    if playing():
        now = time.monotonic()
        last = st.session_state.get(_key("last_tick"), now)
        if now - last >= 0.8 * PLAY_INTERVAL:
            st.session_state[_key("last_tick")] = now
            if step < T:
                step += 1
                set_page_int("step", step)
            if step >= T:
                _stop()
                st.session_state[key] = step
                st.rerun(scope="app")  # drop the fragment's timer
    else:
        moved = st.session_state.get(key)
        if isinstance(moved, int) and moved != step and 1 <= moved <= T:
            step = moved  # the user dragged the slider
            set_page_int("step", step)
    # While playing, a disabled slider under another key shows the step: the interactive one is
    # not drawn, so when play stops it starts afresh at the stored step instead of sending back
    # a value from a tick or two before (seen in Chromium on a busy machine).
    shown = key + "_playing" if playing() else key
    st.session_state[shown] = step
    c_prev, c_slider, c_next = st.columns([1, 10, 1], vertical_alignment="bottom")
    c_prev.button("◀", key=_key("prev"), help=t("step.prev"), on_click=_shift, args=(-1, T),
                  disabled=step <= 1, width="stretch")
    if T > 1:
        c_slider.slider(t("step.label", T=T), 1, T, key=shown, disabled=playing())
    else:
        c_slider.caption(t("step.label", T=T))
    c_next.button("▶", key=_key("next"), help=t("step.next"), on_click=_shift, args=(1, T),
                  disabled=step >= T, width="stretch")
    return step
