"""ui.data_input: pasted text, CSV and .npy uploads become x (T, D), or a DataError that says
what was wrong, where (as a person counts rows and columns), and what is allowed."""

from __future__ import annotations

import io
import pickle
import re
import string

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ui import data_input
from ui.data_input import (
    MAX_BYTES,
    MAX_COLS,
    MAX_ROWS,
    DataError,
    parse_csv,
    parse_npy,
    parse_numbers,
    render,
)
from ui.data_input import (
    MESSAGES as ALL_MESSAGES,
)

# The app's translation table holds every message; the parsers' are the data.* family.
MESSAGES = {k: v for k, v in ALL_MESSAGES.items() if k.startswith("data.")}

WHERE_KEYS = {"data.where", "data.where_header", "data.where_index"}


def npy(arr, **kw) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, **kw)
    return buf.getvalue()


def npy_with_header(header: str, payload: bytes = b"") -> bytes:
    """A version 1.0 .npy file with a hand-written header (to forge shapes and dtypes)."""
    h = header.encode("latin1")
    pad = 64 - (10 + len(h) + 1) % 64
    h = h + b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + payload


def is_valid_result(x, max_rows=MAX_ROWS, max_cols=MAX_COLS) -> bool:
    return (isinstance(x, np.ndarray) and x.dtype == np.float64 and x.ndim == 2
            and 1 <= x.shape[0] <= max_rows and 1 <= x.shape[1] <= max_cols
            and bool(np.all(np.isfinite(x))))


# ---------------------------------------------------------------------------------------------
# parse_numbers
# ---------------------------------------------------------------------------------------------


def test_parse_numbers_reads_rows_with_any_separator_and_skips_blanks_and_comments():
    text = "# t, x, y\n1 2\n\n3,4\r\n  5;\t6  \r7\t8\n9 , 10\n# end\n"
    x = parse_numbers(text)
    np.testing.assert_array_equal(x, [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]])
    assert x.dtype == np.float64 and x.flags.c_contiguous


@pytest.mark.parametrize("cell,value", [
    ("1", 1.0), ("-2.5", -2.5), ("3e-2", 0.03), ("+4", 4.0), (".5", 0.5), ("5.", 5.0),
    ("1E3", 1000.0), ("-0", 0.0), ("1e308", 1e308), ("\u22122.5", -2.5), ("\uff13.\uff15", 3.5),
])
def test_parse_numbers_number_forms(cell, value):
    assert parse_numbers(cell)[0, 0] == value


def test_parse_numbers_single_column_gives_t_by_1():
    assert parse_numbers("1\n2\n3").shape == (3, 1)


def test_parse_numbers_accepts_full_width_separators_and_ideographic_space():
    np.testing.assert_array_equal(parse_numbers("1，2；3\n4\u30005\u00a06"), [[1, 2, 3], [4, 5, 6]])


@pytest.mark.parametrize("text", ["1,\t2", "1 ,  2", "1\t 2", " 1 2 "])
def test_parse_numbers_blanks_around_one_separator_are_one_separator(text):
    np.testing.assert_array_equal(parse_numbers(text), [[1, 2]])


def test_parse_numbers_is_exact_for_every_float64():
    values = np.random.default_rng(0).normal(size=(6, 3)) * 10.0 ** np.arange(-3, 6, 3)
    text = "\n".join(" ".join(repr(float(v)) for v in row) for row in values)
    np.testing.assert_array_equal(parse_numbers(text), values)


@given(st.lists(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=3,
                         max_size=3), min_size=1, max_size=20),
       st.sampled_from([",", ";", "\t", " ", ", ", " ; ", "，"]),
       st.sampled_from(["\n", "\r\n", "\r"]))
def test_parse_numbers_round_trips_formatted_rows(rows, sep, newline):
    text = newline.join(sep.join(repr(v) for v in row) for row in rows)
    np.testing.assert_array_equal(parse_numbers(text), np.array(rows))


@given(st.text(max_size=300))
def test_parse_numbers_fuzz_any_text_gives_an_array_or_a_data_error(text):
    try:
        x = parse_numbers(text, max_rows=20, max_cols=10)
    except DataError as err:
        assert err.key in MESSAGES and str(err) == err.message("en")
        err.message("zh")
    else:
        assert is_valid_result(x, 20, 10)


@given(st.text(alphabet="0123456789.,;\t \n\r-+eE#naifINF|:x\u3000\uff0c", max_size=200))
def test_parse_numbers_fuzz_number_like_text(text):
    try:
        x = parse_numbers(text, max_rows=8, max_cols=6)
    except DataError as err:
        assert err.key in MESSAGES
    else:
        assert is_valid_result(x, 8, 6)


def test_parse_numbers_refuses_non_str_with_a_plain_value_error():
    with pytest.raises(ValueError, match="text: expected a str, got bytes") as info:
        parse_numbers(b"1 2")
    assert not isinstance(info.value, DataError)


def test_parse_numbers_limits_must_be_positive_integers():
    with pytest.raises(ValueError, match="max_rows: expected an integer >= 1, got 0"):
        parse_numbers("1", max_rows=0)


# ---------------------------------------------------------------------------------------------
# parse_csv
# ---------------------------------------------------------------------------------------------


def test_parse_csv_with_header_names_the_columns():
    x, names = parse_csv(b"time,value\n0,1.5\n1,-2\n")
    np.testing.assert_array_equal(x, [[0, 1.5], [1, -2]])
    assert names == ["time", "value"]


def test_parse_csv_without_header_names_columns_x0_x1():
    x, names = parse_csv(b"1,2,3\n4,5,6")
    assert x.shape == (2, 3) and names == ["x0", "x1", "x2"]


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbfa;b\r\n1;2\r\n3;4\r\n",  # Excel "CSV UTF-8" with semicolons
    b"a\tb\n1\t2\n3\t4\n",
    b'"a","b"\n"1","2"\n"3","4"\n',
    b"a,b,\n1,2,\n3,4,\n",  # a trailing delimiter on every row
    b"\n# exported\na , b\n1 , 2\n,\n\n3 , 4\n",  # blank, comment and empty rows skipped
])
def test_parse_csv_dialects(data):
    x, names = parse_csv(data)
    np.testing.assert_array_equal(x, [[1, 2], [3, 4]])
    assert names == ["a", "b"]


def test_parse_csv_single_column_and_unicode_header():
    x, names = parse_csv("温度\n1\n2\n".encode())
    assert x.shape == (2, 1) and names == ["温度"]


def test_parse_csv_blank_header_cells_get_default_names():
    _, names = parse_csv(b",value\n0,1\n1,2\n")
    assert names == ["x0", "value"]


def test_parse_csv_accepts_bytearray_and_memoryview():
    assert parse_csv(bytearray(b"1,2"))[0].shape == (1, 2)
    assert parse_csv(memoryview(b"1,2"))[0].shape == (1, 2)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6),
                  elements=st.floats(allow_nan=False, allow_infinity=False)),
       st.sampled_from([",", ";", "\t"]), st.booleans())
def test_parse_csv_round_trips_written_rows(arr, delimiter, header):
    names = [f"col {i}" for i in range(arr.shape[1])]
    lines = [delimiter.join(names)] if header else []
    lines += [delimiter.join(repr(float(v)) for v in row) for row in arr]
    x, got = parse_csv("\r\n".join(lines).encode())
    np.testing.assert_array_equal(x, arr)
    assert got == (names if header else [f"x{i}" for i in range(arr.shape[1])])


@given(st.binary(max_size=300))
def test_parse_csv_fuzz_any_bytes_give_an_array_or_a_data_error(data):
    try:
        x, names = parse_csv(data, max_rows=20, max_cols=10)
    except DataError as err:
        assert err.key in MESSAGES and str(err) == err.message("en")
        err.message("zh")
    else:
        assert is_valid_result(x, 20, 10) and len(names) == x.shape[1]


@given(st.text(alphabet="0123456789.,;\t \n\r-+eE#nai\"xy|", max_size=200))
def test_parse_csv_fuzz_csv_like_text(text):
    try:
        x, names = parse_csv(text.encode(), max_rows=8, max_cols=6)
    except DataError as err:
        assert err.key in MESSAGES
    else:
        assert is_valid_result(x, 8, 6) and len(names) == x.shape[1]
        assert all(isinstance(n, str) for n in names)


# ---------------------------------------------------------------------------------------------
# parse_npy
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("arr,expected", [
    (np.arange(4), [[0], [1], [2], [3]]),
    (np.array([[1.5, 2], [3, 4]], dtype=np.float32), [[1.5, 2], [3, 4]]),
    (np.asfortranarray(np.arange(6, dtype=np.int16).reshape(3, 2)), [[0, 1], [2, 3], [4, 5]]),
    (np.array([1.0, -2.0], dtype=">f8"), [[1.0], [-2.0]]),
    (np.array([[7]], dtype=np.uint8), [[7.0]]),
])
def test_parse_npy_reads_1d_as_a_column_and_2d_as_is(arr, expected):
    x = parse_npy(npy(arr))
    assert x.dtype == np.float64 and x.flags.c_contiguous
    np.testing.assert_array_equal(x, expected)


def test_parse_npy_a_forged_huge_shape_is_refused_before_any_allocation():
    # a 128-byte file that claims 10**12 float64 values: np.load would allocate 8 TB first
    with pytest.raises(DataError) as info:
        parse_npy(npy_with_header("{'descr': '<f8', 'fortran_order': False, "
                                  "'shape': (1000000000000,), }"))
    assert info.value.key == "data.too_many_rows"
    assert info.value.params == {"rows": 10 ** 12, "limit": MAX_ROWS}


def test_parse_npy_an_object_array_is_refused_without_unpickling():
    with pytest.raises(DataError) as info:
        parse_npy(npy(np.array([{"a": 1}], dtype=object), allow_pickle=True))
    assert info.value.key == "data.bad_dtype" and info.value.params == {"dtype": "object"}


@given(hnp.arrays(st.one_of(hnp.integer_dtypes(), hnp.unsigned_integer_dtypes(),
                            hnp.floating_dtypes(), hnp.boolean_dtypes(),
                            hnp.complex_number_dtypes()),
                  hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)),
       st.booleans())
def test_parse_npy_fuzz_saved_arrays(arr, fortran):
    if fortran:
        arr = np.asfortranarray(arr)
    try:
        x = parse_npy(npy(arr), max_rows=4)
    except DataError as err:
        assert err.key in {"data.bad_dtype", "data.bad_shape", "data.empty_array",
                           "data.too_many_rows", "data.nonfinite"}
    else:
        assert is_valid_result(x, 4)
        np.testing.assert_array_equal(x, arr.astype(np.float64).reshape(x.shape))


@given(st.binary(max_size=300))
def test_parse_npy_fuzz_any_bytes(data):
    with pytest.raises(DataError):
        parse_npy(data)


@given(st.data())
def test_parse_npy_fuzz_damaged_files(data):
    raw = bytearray(npy(np.arange(12, dtype=np.float64).reshape(4, 3)))
    n = data.draw(st.integers(1, 5))
    for _ in range(n):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    try:
        x = parse_npy(bytes(raw[:cut]))
    except DataError as err:
        assert err.key in MESSAGES
    else:
        assert is_valid_result(x)


# ---------------------------------------------------------------------------------------------
# Every error: its key, where it points, and what the message says
# ---------------------------------------------------------------------------------------------

# (call, key, params it must carry, fragments of the English message, of the Chinese message)
CASES = [
    # pasted text
    (lambda: parse_numbers(""), "data.empty", {}, ["No numbers found", "e.g. 0.5, 1.2"],
     ["没有找到数据"]),
    (lambda: parse_numbers(" \n# only a comment\n\t\n"), "data.empty", {}, ["#"], ["#"]),
    (lambda: parse_numbers("1 2\n3 abc"), "data.not_number",
     {"row": 2, "col": 2, "value": "abc"},
     ['Row 2, column 2: "abc" is not a number', "1, -2.5 or 3e-2"],
     ["第 2 行第 2 列", "“abc”不是数字"]),
    (lambda: parse_numbers("1,,2"), "data.empty_cell", {"row": 1, "col": 2},
     ["Row 1, column 2 is empty", "every column"], ["第 1 行第 2 列是空的"]),
    (lambda: parse_numbers("1\t\t2"), "data.empty_cell", {"row": 1, "col": 2}, ["is empty"],
     ["空"]),
    (lambda: parse_numbers("1 2\n\n3 NaN"), "data.nonfinite",
     {"row": 3, "col": 2, "value": "NaN"},
     ['Row 3, column 2: "NaN" is not a finite number', "NaN and infinity are not allowed"],
     ["不是有限数", "NaN"]),
    (lambda: parse_numbers("-inf"), "data.nonfinite", {"value": "-inf"}, ['"-inf"'], ["无穷大"]),
    (lambda: parse_numbers("1e400"), "data.nonfinite", {"value": "1e400"}, ["1.7e308"],
     ["1.7e308"]),
    (lambda: parse_numbers("1|2|3"), "data.bad_delimiter_text",
     {"row": 1, "col": 1, "sep": "|", "value": "1|2|3"},
     ['"1|2|3" looks like several numbers joined by "|"', "commas, semicolons, tabs or spaces"],
     ["“|”", "逗号、分号、制表符或空格"]),
    (lambda: parse_numbers("1 2\n# note\n3"), "data.ragged",
     {"row": 3, "got": 1, "expected": 2, "first_row": 1},
     ["Row 3 has a different number of values (1) than row 1 (2)", "same number of values"],
     ["第 3 行", "第 1 行", "必须相同"]),
    (lambda: parse_numbers("1\n2\n\n3", max_rows=2), "data.too_many_rows",
     {"rows": 3, "limit": 2}, ["3 rows (time steps); at most 2"], ["3 行", "最多允许 2 行"]),
    (lambda: parse_numbers("1\n1 2 3 4", max_cols=3), "data.too_many_cols",
     {"row": 2, "cols": 4, "limit": 3}, ["Row 2 has 4 values (input features); at most 3"],
     ["第 2 行有 4 个数值", "最多允许 3 个"]),
    (lambda: parse_numbers("1 2 3 4 5 6", max_bytes=10), "data.too_large",
     {"size": 11, "limit": 10}, ["11 bytes; at most 10 bytes"], ["11 字节", "10 字节"]),
    (lambda: parse_numbers("é", max_bytes=1), "data.too_large", {"size": 2, "limit": 1},
     ["2 bytes"], ["2 字节"]),
    (lambda: parse_numbers("1" * (MAX_BYTES + 1)), "data.too_large",
     {"size": MAX_BYTES + 1, "limit": MAX_BYTES}, ["2,000,001 bytes; at most 2,000,000"],
     ["2,000,000 字节"]),
    # CSV
    (lambda: parse_csv(b""), "data.empty", {}, ["No numbers found"], ["没有找到数据"]),
    (lambda: parse_csv(b"\n,,\n# c\n"), "data.empty", {}, ["No numbers found"], ["没有"]),
    (lambda: parse_csv(b"\na,b\n"), "data.header_only", {"header_row": 2},
     ["Row 2 is a header, but no rows of numbers follow it"], ["第 2 行是表头"]),
    (lambda: parse_csv(b"time,temp\n0,1\n\n1,warm\n"), "data.not_number",
     {"row": 4, "col": 2, "name": "temp", "header_row": 1, "value": "warm"},
     ['Row 4, column 2 ("temp"; row 1 is the header): "warm" is not a number'],
     ["第 4 行第 2 列（“temp”列；第 1 行是表头）：“warm”不是数字"]),
    (lambda: parse_csv(b"1,2\n3,x\n"), "data.not_number", {"row": 2, "col": 2, "value": "x"},
     ['Row 2, column 2: "x" is not a number'], ["第 2 行第 2 列"]),
    (lambda: parse_csv(b"a,b\n1,\n"), "data.empty_cell",
     {"row": 2, "col": 2, "name": "b", "header_row": 1},
     ['Row 2, column 2 ("b"; row 1 is the header) is empty'], ["是空的"]),
    (lambda: parse_csv(b"a;b\n1;inf\n"), "data.nonfinite", {"row": 2, "col": 2, "value": "inf"},
     ['"inf" is not a finite number'], ["不是有限数"]),
    (lambda: parse_csv(b"t;v\n0;1,5\n1;2,5\n"), "data.decimal_comma",
     {"row": 2, "col": 2, "value": "1,5", "suggestion": "1.5"},
     ['"1,5" uses a comma as the decimal mark', "e.g. 1.5"], ["用逗号作小数点", "1.5"]),
    (lambda: parse_csv(b"1 2 3\n4 5 6\n"), "data.bad_delimiter",
     {"row": 1, "col": 1, "value": "1 2 3"},
     ['"1 2 3" looks like several numbers in one column', "commas, semicolons or tabs"],
     ["逗号、分号或制表符"]),
    (lambda: parse_csv(b"1,2\n3\n"), "data.ragged",
     {"row": 2, "got": 1, "expected": 2, "first_row": 1},
     ["Row 2 has a different number of values (1) than row 1 (2)"], ["第 2 行"]),
    (lambda: parse_csv(b"a,b,c\n1,2,3\n\n4,5\n"), "data.ragged_header",
     {"row": 4, "got": 2, "expected": 3, "header_row": 1},
     ["Row 4 has a different number of values (2) than the header in row 1 has columns (3)"],
     ["第 4 行", "第 1 行表头的列数（3 列）"]),
    (lambda: parse_csv(b"a\n1\n2\n3\n", max_rows=2), "data.too_many_rows",
     {"rows": 3, "limit": 2}, ["3 rows"], ["3 行"]),
    (lambda: parse_csv(b"1,2,3\n", max_cols=2), "data.too_many_cols",
     {"row": 1, "cols": 3, "limit": 2}, ["Row 1 has 3 values"], ["第 1 行有 3 个数值"]),
    (lambda: parse_csv(b"1,2\n1,2,3\n", max_cols=2), "data.too_many_cols",
     {"row": 2, "cols": 3, "limit": 2}, ["Row 2 has 3 values"], ["第 2 行"]),
    (lambda: parse_csv(b"1" * 11, max_bytes=10), "data.too_large", {"size": 11, "limit": 10},
     ["11 bytes"], ["11 字节"]),
    (lambda: parse_csv(b"a,b\n1,2\n3,\xff\n"), "data.encoding", {"row": 3, "byte": 11},
     ["not UTF-8", "byte 11 (row 3)", "CSV UTF-8"], ["UTF-8", "第 3 行", "第 11 个字节"]),
    (lambda: parse_csv(b"\xef\xbb\xbf1\n\xe9t\xe9"), "data.encoding", {"row": 2, "byte": 6},
     ["byte 6 (row 2)"], ["第 2 行"]),
    (lambda: parse_csv("1,2\n".encode("utf-16")), "data.encoding", {"row": 1, "byte": 1},
     ["byte 1 (row 1)"], ["第 1 行"]),
    (lambda: parse_csv("1,2\n".encode("utf-16-le")), "data.encoding", {"row": 1, "byte": 2},
     ["byte 2 (row 1)"], ["UTF-8"]),
    (lambda: parse_csv(b'1,2\n"' + b"x" * 200_000), "data.malformed_csv", {"row": 2},
     ["Row 2 cannot be read as CSV", "quotation marks"], ["第 2 行无法按 CSV 格式读取", "引号"]),
    # .npy
    (lambda: parse_npy(b"not an array"), "data.npy_invalid", {},
     ["not a valid .npy array file", "numpy.save"], ["不是有效的 .npy"]),
    (lambda: parse_npy(npy(np.arange(10.0))[:-8]), "data.npy_invalid", {}, ["cut short"],
     ["不完整"]),
    (lambda: parse_npy(npy_with_header("{'descr': '<f8', 'shape': (2,)}", b"\0" * 16)),
     "data.npy_invalid", {}, [".npy"], [".npy"]),
    (lambda: parse_npy(npy_with_header("{'descr': '<f8', 'fortran_order': False, "
                                       "'shape': (-1,), }", b"\0" * 8)),
     "data.npy_invalid", {}, [".npy"], [".npy"]),
    (lambda: parse_npy(_npz()), "data.npz", {}, [".npz archive", "numpy.save"], [".npz 压缩包"]),
    (lambda: parse_npy(npy(np.array([1 + 2j]))), "data.bad_dtype", {"dtype": "complex128"},
     ["complex128 values", "integers and real floating-point numbers"], ["complex128"]),
    (lambda: parse_npy(npy(np.array([True]))), "data.bad_dtype", {"dtype": "bool"}, ["bool"],
     ["bool"]),
    (lambda: parse_npy(npy(np.array(["a"]))), "data.bad_dtype", {"dtype": "<U1"}, ["<U1"],
     ["<U1"]),
    (lambda: parse_npy(npy(np.zeros((2, 3, 4)))), "data.bad_shape", {"shape": "(2, 3, 4)"},
     ["shape (2, 3, 4)", "1-D (T,)", "2-D (T, D)"], ["一维", "二维"]),
    (lambda: parse_npy(npy(np.float64(3.0))), "data.bad_shape", {"shape": "()"},
     ["shape ()"], ["()"]),
    (lambda: parse_npy(npy(np.zeros(0))), "data.empty_array", {"shape": "(0,)"},
     ["shape (0,)", "no values"], ["没有任何数值"]),
    (lambda: parse_npy(npy(np.zeros((3, 0)))), "data.empty_array", {"shape": "(3, 0)"},
     ["(3, 0)"], ["(3, 0)"]),
    (lambda: parse_npy(npy(np.zeros(5)), max_rows=4), "data.too_many_rows",
     {"rows": 5, "limit": 4}, ["5 rows"], ["5 行"]),
    (lambda: parse_npy(npy(np.zeros((2, 5))), max_cols=4), "data.too_many_cols",
     {"row": 1, "cols": 5, "limit": 4}, ["5 values"], ["5 个数值"]),
    (lambda: parse_npy(b"\x93NUMPY" + b"\0" * 10, max_bytes=10), "data.too_large",
     {"size": 16, "limit": 10}, ["16 bytes"], ["16 字节"]),
    (lambda: parse_npy(npy(np.array([[1.0, 2.0], [np.inf, 3.0]]))), "data.nonfinite",
     {"row": 2, "col": 1, "index": "[1, 0]", "value": "inf"},
     ['Row 2, column 1 (array index [1, 0]): "inf" is not a finite number'],
     ["第 2 行第 1 列（数组下标 [1, 0]）"]),
    (lambda: parse_npy(npy(np.array([1.0, np.nan], dtype=np.float16))), "data.nonfinite",
     {"row": 2, "col": 1, "index": "[1]", "value": "nan"}, ["(array index [1])"], ["[1]"]),
]


def _npz() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(3))
    return buf.getvalue()


def _case_id(case) -> str:
    return case[1]


@pytest.mark.parametrize("call,key,params,en,zh", CASES, ids=[_case_id(c) for c in CASES])
def test_every_error_names_its_key_where_and_what_is_allowed(call, key, params, en, zh):
    with pytest.raises(DataError) as info:
        call()
    err = info.value
    assert isinstance(err, ValueError)
    assert err.key == key
    for name, value in params.items():
        assert err.params[name] == value, name
    assert str(err) == err.message() == err.message("en")
    for fragment in en:
        assert fragment in str(err)
    chinese = err.message("zh")
    assert re.search(r"[\u4e00-\u9fff]", chinese)
    for fragment in zh:
        assert fragment in chinese


def test_every_message_key_is_triggered_by_a_case():
    triggered = {case[1] for case in CASES}
    assert triggered == set(MESSAGES) - WHERE_KEYS


def test_every_message_has_the_same_placeholders_in_both_languages():
    formatter = string.Formatter()
    for key, (en, zh) in MESSAGES.items():
        names_en = {f for _, f, _, _ in formatter.parse(en) if f}
        names_zh = {f for _, f, _, _ in formatter.parse(zh) if f}
        assert names_en == names_zh, key
        assert re.search(r"[\u4e00-\u9fff]", zh), key
        assert key.startswith("data.")


def test_a_long_or_control_character_cell_is_shown_short_and_escaped():
    with pytest.raises(DataError) as info:
        parse_numbers("x" * 100 + "\x07")
    assert info.value.params["value"] == "x" * 40 + "..."
    with pytest.raises(DataError) as info:
        parse_numbers("a\x00b")
    assert info.value.params["value"] == "a\\x00b"


def test_data_error_survives_pickling():
    err = DataError("data.ragged", row=3, got=1, expected=2, first_row=1)
    back = pickle.loads(pickle.dumps(err))
    assert (back.key, back.params, str(back)) == (err.key, err.params, str(err))


def test_render_refuses_an_unknown_language():
    with pytest.raises(ValueError, match=r"lang: expected one of \('en', 'zh'\), got 'fr'"):
        render("data.empty", {}, "fr")


def test_limits_are_the_documented_ones():
    assert (MAX_BYTES, MAX_ROWS, MAX_COLS) == (2_000_000, 2000, 512)
    assert data_input.parse_numbers.__defaults__ == (MAX_ROWS, MAX_COLS, MAX_BYTES)


def test_limits_are_inclusive():
    assert parse_numbers("1 2\n3 4", max_rows=2, max_cols=2, max_bytes=7).shape == (2, 2)
    assert parse_csv(b"1,2\n3,4", max_rows=2, max_cols=2, max_bytes=7)[0].shape == (2, 2)
    assert parse_npy(npy(np.zeros((2, 2))), max_rows=2, max_cols=2).shape == (2, 2)


@pytest.mark.parametrize("fn", [parse_csv, parse_npy])
def test_binary_parsers_refuse_str_with_a_plain_value_error(fn):
    with pytest.raises(ValueError, match="data: expected bytes, got str") as info:
        fn("1,2")
    assert not isinstance(info.value, DataError)
