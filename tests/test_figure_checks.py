"""The app builds its figures without plotly's property checks (viz/theme.py, VALIDATE: they
were two thirds of a rerun); the tests build them with the checks. This file makes sure the
two give the same charts. Under the tests `theme.figure` builds every figure both ways and
raises on any difference, so every builder call in the suite is such a check; here, besides,
every page run under AppTest both ways sends the browser the same JSON for every chart (the
same objects; the order of keys may differ), odd inputs give the same JSON, and the check can
fail."""

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


ODD_TRACES = [
    dict(type="scatter", x=[1, 2], y=[3, 4], name=3, text=[], hovertext=None, marker={},
         line=dict(color=None, width=2)),
    dict(type="heatmap", z=[[1.0, 2.0]], colorscale="Viridis", name=2.5, showscale=None),
    dict(type="scatter", x=[], y=[], marker=dict(color=[1, 2], colorscale="magma_r")),
    dict(type="bar", x=["a"], y=[1], customdata=[], marker=dict(line={})),
]
ODD_LAYOUT = dict(
    title=None, legend={}, annotations=[dict(text="a", x=None, font={})], shapes=[],
    xaxis=dict(tickvals=[], ticktext=[], title=dict(text=None)), coloraxis=dict(colorscale="RdBu"),
    images=[], updatemenus=[],
)


def test_odd_inputs_give_the_same_json_both_ways():
    """What the reviewer found the unchecked path got wrong (None and {} inside traces, numeric
    trace names, named colour scales, empty data arrays, None inside annotations): figure()
    builds both and raises when they differ; here the JSON is also compared directly."""
    assert theme.VALIDATE
    checked = json.loads(theme.pio.to_json(theme.figure(ODD_TRACES, ODD_LAYOUT), validate=False))
    plain = json.loads(theme.pio.to_json(theme._plain(ODD_TRACES, ODD_LAYOUT), validate=False))
    assert plain == checked
    assert plain["data"][0]["name"] == "3" and plain["data"][0]["text"] == []
    assert isinstance(plain["data"][1]["colorscale"], list)  # spelt out, not "Viridis"
    assert plain["layout"]["xaxis"]["tickvals"] == []
    assert "shapes" not in plain["layout"] and plain["layout"]["annotations"] == [{"text": "a"}]


def test_a_difference_between_the_two_paths_fails(monkeypatch):
    """The check in figure() can fail: an unchecked path that loses a property raises."""
    real = theme._plain

    def lossy(data, layout):
        fig = real(data, layout)
        fig._plain["layout"].pop("height", None)
        return fig

    monkeypatch.setattr(theme, "_plain", lossy)
    with pytest.raises(AssertionError, match=r"layout\.height: <missing> != 300"):
        theme.figure([dict(type="scatter", x=[1], y=[1])], dict(height=300))
