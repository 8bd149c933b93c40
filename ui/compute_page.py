"""The page-side face of the cached runs: messages instead of exceptions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import streamlit as st

from rnn_core.memory import format_bytes

from .compute import Run, run_model
from .config import Config, run_budget
from .frame import t, upload_data, weights_state
from .inflight import Busy
from .runs import RUNS

R = TypeVar("R")


def memory_guarded(compute: Callable[..., R], *args, **kwargs) -> R:
    """`compute(*args, **kwargs)`; when the server has no memory left for it, say so with the
    limits and stop the page (a MemoryError never reaches a learner as a traceback); when the
    runs in progress hold the in-flight pool past its timeout, say the server is busy."""
    try:
        return compute(*args, **kwargs)
    except MemoryError:
        st.error(t("err.memory", limit=format_bytes(run_budget()),
                   total=format_bytes(RUNS.budget)))
        st.stop()
    except Busy as busy:
        st.warning(t("err.busy", wanted=format_bytes(busy.wanted),
                     capacity=format_bytes(busy.capacity)))
        st.stop()


def run_or_stop(cfg: Config) -> Run:
    """The run for `cfg`; when it cannot be made (no upload yet), say why and stop the page.
    Overflow is shown as a warning: the charts draw the finite part."""
    upload = upload_data() if cfg.source == "csv" else None
    if cfg.source == "csv" and (upload is None or not cfg.upload):
        st.info(t("err.no_upload"))
        st.stop()
    run = memory_guarded(run_model, cfg, upload, weights_state())
    if run.nonfinite_step is not None:
        st.warning(t("warn.nonfinite", step=run.nonfinite_step + 1, radius=run.radius_after))
    else:
        peak = float(np.max(np.abs(run.output))) if run.output.size else 0.0
        if peak > 1e6:
            st.warning(t("warn.large", value=peak))
    return run
