"""The app builds its figures without plotly's property checks (viz/theme.py, VALIDATE: they
were two thirds of a rerun); the tests build them with the checks. This file makes sure the
two give the same charts: every page, run under AppTest both ways, sends the browser the same
JSON for every chart (the same objects; the order of keys may differ)."""

from __future__ import annotations

import json

import pytest
from apptest_util import check_no_exception, element_key, new_app

from viz import theme

PAGES = {"data_flow": ("pages/1_data_flow.py", {}),
         "data_flow_reduced": ("pages/1_data_flow.py", {"T": "1000", "hidden": "512"}),
         "recurrence_text": ("pages/2_recurrence.py", {"src": "text", "text": "hello, world"}),
         "training_chars": ("pages/6_training.py", {"task": "2"}),
         "training_memory": ("pages/6_training.py", {"task": "1"}),
         "recurrence": ("pages/2_recurrence.py", {"layers": "2", "bidir": "1"}),
         "gradients": ("pages/3_gradients.py", {}),
         "architectures": ("pages/4_architectures.py", {}),
         "encoder_decoder": ("pages/5_encoder_decoder.py", {"text": "hello world",
                                                              "src": "text"}),
         "training": ("pages/6_training.py", {"task": "3", "s2sctx": "4"})}


def specs(page: str, query: dict) -> dict[str, dict]:
    at = new_app(query)
    at.switch_page(page)
    at.run()
    check_no_exception(at)
    out = {element_key(el) or str(i): json.loads(el.proto.spec)
           for i, el in enumerate(at.get("plotly_chart"))}
    assert out, f"{page}: no chart"
    return out


def test_the_tests_check_figures():
    assert theme.VALIDATE, "tests/conftest.py should set RNNX_VALIDATE_FIGURES=1"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_unchecked_figures_send_the_same_json(name, monkeypatch):
    page, query = PAGES[name]
    checked = specs(page, query)
    monkeypatch.setattr(theme, "VALIDATE", False)
    unchecked = specs(page, query)
    assert sorted(unchecked) == sorted(checked)
    for key in checked:
        assert unchecked[key] == checked[key], f"{name}: chart {key} differs"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_colour_mapping_names_its_scale(name):
    """The house template carries no default colour scale (viz/theme.py), so each heatmap and
    each marker coloured by numbers must name its own, or plotly.js would pick its default."""
    page, query = PAGES[name]
    for key, spec in specs(page, query).items():
        layout = spec["layout"]
        for tr in spec["data"]:
            if tr.get("type") == "heatmap":
                axis = layout.get(tr.get("coloraxis", ""), {})
                assert "colorscale" in tr or "colorscale" in axis, (name, key)
            color = tr.get("marker", {}).get("color")
            numeric = isinstance(color, dict) or (isinstance(color, list) and color and not
                                                  isinstance(color[0], str))
            if numeric:
                assert "colorscale" in tr["marker"], (name, key)
