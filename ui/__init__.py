"""What the pages share: the frame (sidebar, URL, language), the configuration, cached runs."""

from .compute import Run, run_model
from .compute_page import run_or_stop
from .config import Config
from .frame import (
    VIEWS,
    finish,
    frame,
    lang,
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

__all__ = ["VIEWS", "Config", "Run", "finish", "frame", "lang", "message", "page_float",
           "page_int", "page_number", "page_select", "page_slider", "run_model", "run_or_stop",
           "set_page_int", "t", "upload_data"]
