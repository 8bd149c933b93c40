"""Exports (ui/export_data.py): hidden states and gradients as CSV hold exactly the run's
numbers; the configuration as JSON round-trips through ui.config, and a hostile or broken file
is refused with a message, never raised on and never evaluated."""

from __future__ import annotations

import ast
import io
import json
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as hs

from ui import export_data as ex
from ui.compute import compute_run
from ui.compute_grad import GradSettings, compute_gradients
from ui.config import DEFAULT, FIELDS, SOURCES, Config, ConfigError, data_steps, within_budget
from ui.i18n import STRINGS

ROOT = Path(__file__).resolve().parent.parent


def read_csv(text: str) -> pd.DataFrame:
    """The CSV as a spreadsheet user or pandas reads it: "NaN" is NaN, labels stay text."""
    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=["NaN"],
                       dtype={"label": str, "direction": str, "cell": str})


# ---------------------------------------------------------------------------------------------
# hidden states
# ---------------------------------------------------------------------------------------------

def test_hidden_states_csv_holds_every_layer_and_direction_exactly():
    cfg = Config(hidden_size=5, seq_len=9, num_layers=2, bidirectional=True, batch_size=3,
                 h0="random", seed=4)
    run = compute_run(cfg)
    df = read_csv(ex.hidden_states_csv(run, sample=2))
    assert list(df.columns) == ["t", "layer", "direction"] + [f"h_{j}" for j in range(5)]
    assert len(df) == 2 * 2 * 9
    for layer in range(2):
        for k, name in enumerate(("forward", "reverse")):
            part = df[(df.layer == layer) & (df.direction == name)]
            assert part.t.tolist() == list(range(1, 10))
            np.testing.assert_array_equal(part.filter(like="h_").to_numpy(),
                                          run.layers[layer][k].h[:, 2])
    # the states in the rows of the top layer are the output's halves
    top = df[df.layer == 1]
    np.testing.assert_array_equal(top[top.direction == "reverse"].filter(like="h_").to_numpy(),
                                  run.output[:, 2, 5:])


def test_hidden_states_csv_of_a_text_labels_each_step_with_its_character():
    cfg = Config(source="text", text='a, "b"\n中=', hidden_size=3)
    run = compute_run(cfg)
    df = read_csv(ex.hidden_states_csv(run))
    assert list(df.columns[:4]) == ["t", "label", "layer", "direction"]
    assert df.label.tolist() == list(run.step_labels)  # quotes, commas, newline (⏎) survive
    np.testing.assert_array_equal(df.filter(like="h_").to_numpy(), run.layers[0][0].h[:, 0])


def test_an_overflowed_state_is_written_as_nan_and_read_back_as_nan():
    run = compute_run(Config(nonlinearity="relu", radius=3.0, seq_len=2000, hidden_size=8,
                             source="random_walk", amplitude=100.0))
    assert run.nonfinite_step is not None, "the configuration overflows"
    text = ex.hidden_states_csv(run)
    assert "NaN" in text and "inf" not in text.lower()
    values = read_csv(text).filter(like="h_").to_numpy()
    h = run.layers[0][0].h[:, 0]
    np.testing.assert_array_equal(np.isnan(values), np.isnan(h))
    np.testing.assert_array_equal(values[~np.isnan(values)], h[~np.isnan(h)])


def test_hidden_states_csv_refuses_a_sample_outside_the_batch():
    run = compute_run(Config(batch_size=2, hidden_size=2, seq_len=3))
    for bad in (2, -1, 1.0, True, "0"):
        with pytest.raises(ValueError, match=r"sample: expected an integer in \[0, 1\]"):
            ex.hidden_states_csv(run, sample=bad)


# ---------------------------------------------------------------------------------------------
# gradients
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def grad_runs():
    cfg = Config(hidden_size=4, seq_len=6, num_layers=2, bidirectional=True, batch_size=2)
    return cfg, compute_gradients(cfg, GradSettings(loss="ce_sum"), layer=1, direction=1)


def test_gradients_csv_of_one_result_holds_dl_dh_exactly(grad_runs):
    _, runs = grad_runs
    res = runs["lstm"].result
    labels = list("abcdef")
    df = read_csv(ex.gradients_csv(res, sample=1, labels=labels))
    assert list(df.columns) == ["t", "label", "layer", "direction", "dh_0", "dh_1", "dh_2",
                                "dh_3"]
    assert df.t.tolist() == list(range(1, 7)) and df.label.tolist() == labels
    assert set(df.layer) == {1} and set(df.direction) == {"reverse"}
    np.testing.assert_array_equal(df.filter(like="dh_").to_numpy(), res.dh[:, 1])


def test_gradients_csv_of_the_three_cells_names_each_and_skips_an_overflowed_one(grad_runs):
    _, runs = grad_runs
    results = {c: r.result for c, r in runs.items()}
    results["gru"] = None  # as the view holds a cell whose forward overflowed
    df = read_csv(ex.gradients_csv(results))
    assert df.columns[0] == "cell" and df.cell.unique().tolist() == ["rnn", "lstm"]
    for cell in ("rnn", "lstm"):
        np.testing.assert_array_equal(df[df.cell == cell].filter(like="dh_").to_numpy(),
                                      results[cell].dh[:, 0])
    with pytest.raises(ValueError, match="at least one"):
        ex.gradients_csv({"rnn": None})
    with pytest.raises(ValueError, match="labels: expected 6"):
        ex.gradients_csv(results["rnn"], labels=["a"])


# ---------------------------------------------------------------------------------------------
# the configuration as JSON
# ---------------------------------------------------------------------------------------------

def _value(name: str):
    spec = FIELDS[name]
    if spec.kind is bool:
        return hs.booleans()
    if spec.kind is int:
        return hs.integers(int(spec.lo), int(spec.hi))
    if spec.kind is float:
        return hs.floats(spec.lo, spec.hi, allow_nan=False, allow_infinity=False)
    if spec.choices is not None:
        return hs.sampled_from([c for c in spec.choices if c != "csv"])
    return hs.text(max_size=min(spec.max_len, 60))


@hs.composite
def configs(draw):
    values = {f.name: draw(_value(f.name)) for f in fields(Config)
              if f.name not in ex.NOT_IN_FILE}
    values["impulse_step"] = min(values["impulse_step"], values["seq_len"] - 1)
    cfg = Config(**values)
    T = data_steps(cfg)  # as the app counts it: an empty text runs one step
    if within_budget(cfg, T)[1] is not None:  # the file would be refused: shrink the run
        cfg = replace(cfg, batch_size=1, num_layers=1, bidirectional=False)
    assume(within_budget(cfg, T)[1] is None)
    return cfg


@given(cfg=configs(), as_bytes=hs.booleans())
def test_config_json_round_trips_through_ui_config(cfg, as_bytes):
    text = ex.config_json(cfg)
    doc = json.loads(text)  # plain JSON
    assert doc["format"] == ex.FORMAT and doc["version"] == ex.VERSION
    assert set(doc["config"]) == {s.url for n, s in FIELDS.items() if n not in ex.NOT_IN_FILE}
    back, problems = ex.config_from_json(("\ufeff" + text).encode() if as_bytes else text)
    assert problems == []
    assert back == cfg


def test_uploaded_data_and_weights_stay_out_of_the_file():
    cfg = replace(DEFAULT, upload="0123456789abcdef", weights="fedcba9876543210", hidden_size=7)
    back, problems = ex.config_from_json(ex.config_json(cfg))
    assert "0123456789abcdef" not in ex.config_json(cfg)
    assert problems == [] and back == replace(cfg, upload="", weights="")


def test_a_file_with_the_csv_source_falls_back_as_a_link_does():
    back, problems = ex.config_from_json(ex.config_json(replace(DEFAULT, source="csv",
                                                                hidden_size=9)))
    assert back.source == DEFAULT.source and back.hidden_size == 9
    assert [err.key for _, _, err in problems] == ["err.csv_link"]


def doc(config: dict | str, **top) -> str:
    body = config if isinstance(config, str) else json.dumps(config)
    extra = "".join(f', "{k}": {json.dumps(v)}' for k, v in top.items())
    version = "" if "version" in top else ', "version": 1'
    return f'{{"format": "{ex.FORMAT}"{version}, "config": {body}{extra}}}'


REFUSED = {  # the whole file: default configuration, one problem
    "not_json": ("hidden=16", "ex.json_invalid"),
    "empty": ("", "ex.json_invalid"),
    "truncated": (ex.config_json(DEFAULT)[:-5], "ex.json_invalid"),
    "utf16": (ex.config_json(DEFAULT).encode("utf-16"), "ex.json_encoding"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00", "ex.json_encoding"),
    "too_large": ("x" * (ex.MAX_JSON_BYTES + 1), "ex.json_too_large"),
    "too_large_bytes": (b" " * (ex.MAX_JSON_BYTES + 1), "ex.json_too_large"),
    "deep_lists": ("[" * 100_000 + "]" * 100_000, "ex.json_too_deep"),
    "deep_objects": ('{"a":' * 50_000 + "1" + "}" * 50_000, "ex.json_too_deep"),
    "nan": (doc('{"hidden": NaN}'), "ex.json_number"),
    "infinity": (doc('{"rho": -Infinity}'), "ex.json_number"),
    "overflowing_float": (doc('{"rho": 1e999}'), "ex.json_number"),
    "huge_int": (doc('{"seed": ' + "9" * 5000 + "}"), "ex.json_number"),
    "duplicate_setting": (doc('{"hidden": 8, "hidden": 4096}'), "ex.json_duplicate"),
    "duplicate_top": (doc({}) + "", None),  # placeholder replaced below
    "a_list": ("[1, 2, 3]", "ex.json_format"),
    "a_string": ('"rnn"', "ex.json_format"),
    "null": ("null", "ex.json_format"),
    "no_format": ('{"version": 1, "config": {"hidden": 8}}', "ex.json_format"),
    "other_format": ('{"format": "other", "version": 1, "config": {}}', "ex.json_format"),
    "config_not_object": (doc("[]"), "ex.json_format"),
    "version_2": (doc({}, version=2), "ex.json_version"),
    "version_string": (doc({}, version="1"), "ex.json_version"),
    "version_true": (doc({}, version=True), "ex.json_version"),
    "not_text": (None, "ex.json_format"),
    "a_dict_object": ({"format": ex.FORMAT}, "ex.json_format"),
}
REFUSED["duplicate_top"] = (f'{{"format": "{ex.FORMAT}", "format": "{ex.FORMAT}", '
                            f'"version": 1, "config": {{}}}}', "ex.json_duplicate")


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_file_that_cannot_be_read_is_refused_with_one_message(name):
    text, key = REFUSED[name]
    cfg, problems = ex.config_from_json(text)
    assert cfg == DEFAULT
    assert [err.key for _, _, err in problems] == [key], problems
    err = problems[0][2]
    assert isinstance(err, ConfigError) and str(err) and key in ex.STRINGS
    assert err.message("zh") and err.message("en") == str(err)


PARTLY = {  # the file is read; the named settings are refused, the others apply
    "not_a_number": ({"hidden": "abc", "T": 50}, {"hidden": "err.not_int"}),
    "bool_for_int": ({"hidden": True, "T": 50}, {"hidden": "ex.json_type"}),
    "fraction_for_int": ({"hidden": 1.5, "T": 50}, {"hidden": "ex.json_type"}),
    "number_for_choice": ({"src": 5, "T": 50}, {"src": "ex.json_type"}),
    "list_for_int": ({"hidden": [16], "T": 50}, {"hidden": "ex.json_type"}),
    "object_for_text": ({"text": {"a": 1}, "T": 50}, {"text": "ex.json_type"}),
    "null": ({"rho": None, "T": 50}, {"rho": "ex.json_type"}),
    "out_of_range": ({"hidden": 4096, "rho": -1, "T": 50}, {"hidden": "err.range",
                                                           "rho": "err.range"}),
    "unknown_choice": ({"src": "__import__('os').system('touch /tmp/rnnx_pwned')", "T": 50},
                       {"src": "err.choice"}),
    "text_too_long": ({"text": "x" * 2001, "T": 50}, {"text": "err.too_long"}),
    "unknown_names": ({"__proto__": {"hidden": 1}, "constructor": 1, "T": 50},
                      {"__proto__": "ex.json_unknown", "constructor": "ex.json_unknown"}),
    "session_data": ({"upload": "0123456789abcdef", "weights": "x", "T": 50},
                     {"upload": "ex.json_unknown", "weights": "ex.json_unknown"}),
}


@pytest.mark.parametrize("name", list(PARTLY))
def test_bad_settings_in_a_file_are_refused_one_by_one(name):
    config, expected = PARTLY[name]
    cfg, problems = ex.config_from_json(doc(config))
    assert {n: err.key for n, _, err in problems} == expected
    assert cfg.seq_len == 50  # the good setting applies
    for field in expected:
        name_ = next((n for n, s in FIELDS.items() if s.url == field), None)
        if name_ is not None:
            assert getattr(cfg, name_) == getattr(DEFAULT, name_)
    for _, value, err in problems:
        assert len(value) <= 43  # values are quoted short in messages
        if err.key.startswith("err."):
            assert err.key in STRINGS


def test_a_file_over_the_state_budget_keeps_its_other_settings_and_the_default_sizes():
    cfg, problems = ex.config_from_json(doc({"hidden": 1024, "T": 2000, "layers": 2, "seed": 5,
                                             "act": "relu"}))
    assert [err.key for _, _, err in problems] == ["err.budget_file"]
    assert (cfg.hidden_size, cfg.seq_len) == (DEFAULT.hidden_size, DEFAULT.seq_len)
    assert (cfg.seed, cfg.nonlinearity) == (5, "relu")
    for lang in (0, 1):  # the sidebar's message fits, and says what happened
        assert "default sizes" in STRINGS["err.budget_file"][0].format(**problems[0][2].params)
        STRINGS["err.budget_file"][lang].format(**problems[0][2].params)
    text = "ab" * 1000  # T = 2000 from the text
    cfg, problems = ex.config_from_json(doc({"src": "text", "text": text, "hidden": 1001,
                                             "bidir": True}))
    assert [err.key for _, _, err in problems] == ["err.budget_file"] and cfg.text == text


def test_top_level_extras_are_reported_and_the_settings_still_apply():
    cfg, problems = ex.config_from_json(doc({"hidden": 8}, note="mine"))
    assert cfg.hidden_size == 8 and [err.key for _, _, err in problems] == ["ex.json_unknown"]


_JSON = hs.recursive(hs.none() | hs.booleans() | hs.integers() | hs.floats() | hs.text(),
                     lambda kids: hs.lists(kids, max_size=4)
                     | hs.dictionaries(hs.text(max_size=6), kids, max_size=4), max_leaves=12)
_SETTINGS = hs.dictionaries(hs.sampled_from([s.url for s in FIELDS.values()]) | hs.text(),
                            _JSON, max_size=8)


@given(anything=hs.one_of(hs.text(), hs.binary(), _JSON.map(json.dumps),
                          _SETTINGS.map(doc), _JSON))
def test_config_from_json_never_raises(anything):
    cfg, problems = ex.config_from_json(anything)
    assert isinstance(cfg, Config) and isinstance(problems, list)
    for name, value, err in problems:
        assert isinstance(name, str) and isinstance(value, str) and isinstance(err, ConfigError)
    assert cfg.source in SOURCES and cfg.upload == "" and cfg.weights == ""


def test_the_export_module_evaluates_nothing_and_draws_nothing():
    tree = ast.parse((ROOT / "ui" / "export_data.py").read_text(encoding="utf-8"))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    imports = {a.name.split(".")[0] for n in ast.walk(tree)
               if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    modules = {n.module.split(".")[0] for n in ast.walk(tree)
               if isinstance(n, ast.ImportFrom) and n.module}
    assert not {"eval", "exec", "compile", "__import__"} & names
    assert not {"pickle", "streamlit", "yaml", "marshal"} & (imports | modules)
    assert not Path("/tmp/rnnx_pwned").exists()


def test_a_settings_file_uploaded_in_the_sidebar_applies_and_a_bad_one_warns():
    from apptest_util import app_config, open_page

    from ui.config import Config
    from ui.export_data import config_json

    wanted = Config(hidden_size=24, seq_len=30, nonlinearity="relu", seed=4)
    at = open_page("recurrence")
    at.file_uploader(key="w_config_file").upload("s.json", config_json(wanted).encode(),
                                                 "application/json").run()
    assert not at.exception
    got = app_config(at)
    assert (got.hidden_size, got.seq_len, got.nonlinearity, got.seed) == (24, 30, "relu", 4)
    at.file_uploader(key="w_config_file").upload("bad.json", b"{not json",
                                                 "application/json").run()
    assert not at.exception and at.warning  # refused with a reason, nothing raised
    assert app_config(at).hidden_size == 24  # and the settings stay as they were
