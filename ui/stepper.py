"""The time control shared by views that step through a sequence: previous, slider, next, play.

Play advances one step per tick of a fragment (`st.fragment(run_every=...)`), so nothing is
recomputed: the run is cached and only the step-dependent drawing reruns. Any control stops it.
"""

from __future__ import annotations

import time

import streamlit as st

from .frame import PAGE_NAME_KEY, W, page_int, set_page_int, t

PLAY_INTERVAL = 0.6  # seconds per step while playing (steady enough to follow in class)


def _key(suffix: str) -> str:
    return f"{st.session_state.get(PAGE_NAME_KEY, '')}_{suffix}"


def playing() -> bool:
    return bool(st.session_state.get(_key("playing"), False))


def _stop() -> None:
    st.session_state[_key("playing")] = False


def _shift(delta: int, hi: int) -> None:
    _stop()
    step = min(max(page_int("step", 1, 1, hi) + delta, 1), hi)
    set_page_int("step", step)
    st.session_state[f"{W}{_key('step')}"] = step


def _toggle_play(hi: int) -> None:
    if playing():
        _stop()
        return
    if page_int("step", 1, 1, hi) >= hi:  # at the end: play from the start
        set_page_int("step", 1)
        st.session_state[f"{W}{_key('step')}"] = 1
    st.session_state[_key("playing")] = True
    st.session_state[_key("armed")] = True  # the full rerun this click causes must not stop it
    st.session_state[_key("last_tick")] = time.monotonic()


def stop_unless_armed() -> None:
    """Call once per full run of the page: a full run that the play button did not cause came
    from another control, and any control stops play."""
    if st.session_state.pop(_key("armed"), False):
        return
    _stop()


def run_every() -> float | None:
    """The fragment's tick interval: PLAY_INTERVAL while playing, else None."""
    return PLAY_INTERVAL if playing() else None


def step_control(T: int, timer_on: bool) -> int:
    """Draw previous / slider / next / play for steps 1..T and return the current step.

    Call it inside the fragment whose `run_every` was `run_every()` at the last full run, and
    pass whether that timer is on. Play and Pause rerun only the fragment, whose timer is fixed
    when the page runs in full, so a mismatch asks for a full rerun. While playing, each tick
    advances one step; play stops at T. The slider has no on_change callback: a tick writes the
    slider, and the browser sends that value back, so a value that differs from the stored step
    is the user's own move, which stops play."""
    if playing() != timer_on:
        st.session_state[_key("armed")] = playing()
        st.rerun(scope="app")
    key = f"{W}{_key('step')}"
    step = page_int("step", 1, 1, T)
    moved = st.session_state.get(key)
    if isinstance(moved, int) and moved != step and 1 <= moved <= T:
        _stop()  # the user dragged the slider
        step = moved
        set_page_int("step", step)
    elif playing():
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
    st.session_state[key] = step
    c_prev, c_slider, c_next, c_play = st.columns([1, 8, 1, 1.4], vertical_alignment="bottom")
    c_prev.button("◀", key=_key("prev"), help=t("step.prev"), on_click=_shift, args=(-1, T),
                  disabled=step <= 1, width="stretch")
    if T > 1:
        c_slider.slider(t("step.label", T=T), 1, T, key=key)
    else:
        c_slider.caption(t("step.label", T=T))
    c_next.button("▶", key=_key("next"), help=t("step.next"), on_click=_shift, args=(1, T),
                  disabled=step >= T, width="stretch")
    c_play.button(t("step.pause") if playing() else t("step.play"), key=_key("play"),
                  on_click=_toggle_play, args=(T,), disabled=T <= 1, type="primary",
                  width="stretch")
    return step
