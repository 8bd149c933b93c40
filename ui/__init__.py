"""What the pages share: the frame (sidebar, URL, language), the configuration, cached runs."""

# Loaded whole before any session draws a figure: plotly looks pandas up in sys.modules, and a
# second session's thread could otherwise find it half-imported (seen under load at start-up).
import pandas  # noqa: F401
from threadpoolctl import threadpool_limits

from .compute import Run, run_model
from .compute_page import run_or_stop
from .config import Config
from .frame import (
    VIEWS,
    finish,
    frame,
    lang,
    layer_direction,
    message,
    page_float,
    page_int,
    page_number,
    page_select,
    page_slider,
    set_page_int,
    t,
    upload_data,
)
from .math_md import caption, math_md

# One BLAS thread per process: the server runs many sessions' scripts at once, and OpenBLAS's
# threads busy-wait when the cores are oversubscribed (measured on 2 cores under load: an
# eigendecomposition at H = 512 took 5.8 s with 2 threads, 0.26 s with 1). The matrices here
# are small enough that one thread loses little when the machine is idle.
threadpool_limits(limits=1, user_api="blas")

__all__ = ["VIEWS", "Config", "Run", "caption", "finish", "frame", "lang", "layer_direction",
           "math_md", "message", "page_float", "page_int", "page_number", "page_select",
           "page_slider", "run_model", "run_or_stop", "set_page_int", "t", "upload_data"]
