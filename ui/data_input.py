"""Reading a sequence a user pastes or uploads into an array x (T, D), or a DataError that says
what was wrong, where, and what is allowed.

Axes: T time steps (one row each), D input features (one column each).

Pure Python and NumPy (no Streamlit): the app catches `DataError` and shows it through
`ui.frame.message`, which escapes every string in `params` (cells and header names are the
learner's text; st.error renders markdown). `err.message(lang)` itself is plain text.
Positions in messages count as a person does: row = the line of the pasted text or of the file
(blank and comment lines included, as an editor or spreadsheet numbers them), column = the
value's place in its row, both from 1. In an uploaded .npy array, row and column are the array
index + 1, and the message gives the index too.

Messages: every error has a `key` into MESSAGES and `params` for its placeholders. A message
that points at a cell has a `{where}` placeholder, filled from the template named by
params["where_key"] ("data.where", "data.where_header" or "data.where_index") with the same
params; `render(key, params, lang)` does both steps.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re

import numpy as np

from .i18n import STRINGS

MAX_BYTES = 2_000_000  # an upload or a paste, in bytes of UTF-8
MAX_ROWS = 2000  # time steps
MAX_COLS = 512  # features

LANGS = ("en", "zh")

# The messages live in the app's one translation table (ui/i18n.py, keys "data.*").
MESSAGES = STRINGS


def render(key: str, params: dict, lang: str = "en") -> str:
    """The message for `key` in `lang` ("en" or "zh"), with params and {where} filled in."""
    if lang not in LANGS:
        raise ValueError(f"lang: expected one of {LANGS}, got {lang!r}")
    k = LANGS.index(lang)
    fill = dict(params)
    where_key = params.get("where_key")
    if where_key is not None:
        fill["where"] = MESSAGES[where_key][k].format(**params)
    return MESSAGES[key][k].format(**fill)


class DataError(ValueError):
    """What was wrong with pasted or uploaded data. `key` names the MESSAGES entry, `params`
    holds its placeholders (row, col, value, limit, ...); str(err) is the English message."""

    def __init__(self, key: str, **params):
        self.key = key
        self.params = params
        super().__init__(render(key, params, "en"))

    def message(self, lang: str = "en") -> str:
        return render(self.key, self.params, lang)

    def __reduce__(self):  # pickle by key and params: __init__ does not take the message
        return _data_error, (self.key, self.params)


def _data_error(key: str, params: dict) -> DataError:
    return DataError(key, **params)


# ---------------------------------------------------------------------------------------------
# One cell
# ---------------------------------------------------------------------------------------------

# Full-width digits and signs (typed with a Chinese input method) and the Unicode minus sign
# (copied from documents) read as their ASCII forms.
_NORMALISE = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)},
                            "\uff0e": ".", "\uff0d": "-", "\uff0b": "+", "\u2212": "-",
                            "\uff45": "e", "\uff25": "E"})
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NONFINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.ASCII | re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+", re.ASCII)
_JOINERS = re.compile(r"\s*[|:]\s*|\s+")  # separators that are not allowed between columns
_SHOW = 40  # characters of a cell quoted in a message


def _show(cell: str) -> str:
    """A cell as quoted in a message: control characters escaped, long cells cut."""
    s = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                for c in cell[:_SHOW])
    return s + ("..." if len(cell) > _SHOW else "")


def _number_kind(cell: str) -> str:
    """'number', 'nonfinite', 'empty', 'decimal_comma', 'joined' or 'other' (cell stripped)."""
    c = cell.translate(_NORMALISE)
    if _NUMBER.fullmatch(c):
        return "number" if math.isfinite(float(c)) else "nonfinite"  # 1e999 overflows to inf
    if c == "":
        return "empty"
    if _NONFINITE.fullmatch(c):
        return "nonfinite"
    if _DECIMAL_COMMA.fullmatch(c):
        return "decimal_comma"
    parts = _JOINERS.split(c)
    if len(parts) > 1 and all(_NUMBER.fullmatch(p) for p in parts):
        return "joined"
    return "other"


def _to_float(cell: str, where: dict, text_mode: bool) -> float:
    """The cell's value, or the DataError for it; `where` holds where_key, row, col, ..."""
    kind = _number_kind(cell)
    if kind == "number":
        return float(cell.translate(_NORMALISE))
    if kind == "empty":
        raise DataError("data.empty_cell", **where)
    value = _show(cell)
    if kind == "nonfinite":
        raise DataError("data.nonfinite", value=value, **where)
    if kind == "decimal_comma":
        raise DataError("data.decimal_comma", value=value,
                        suggestion=cell.translate(_NORMALISE).replace(",", "."), **where)
    if kind == "joined":
        if text_mode:
            sep = _JOINERS.search(cell.translate(_NORMALISE)).group().strip() or " "
            raise DataError("data.bad_delimiter_text", value=value, sep=sep, **where)
        raise DataError("data.bad_delimiter", value=value, **where)
    raise DataError("data.not_number", value=value, **where)


def _check_limit(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected an integer >= 1, got {value!r}")
    return int(value)


def _to_array(rows: list[list[float]], D: int) -> np.ndarray:
    return np.array(rows, dtype=np.float64).reshape(len(rows), D)  # (T, D)


# ---------------------------------------------------------------------------------------------
# Pasted text
# ---------------------------------------------------------------------------------------------

_LINES = re.compile(r"\r\n|\r|\n")  # line breaks as an editor counts them
_SOFT = r"[^\S\t\r\n]"  # whitespace other than tab and line breaks (incl. U+3000, U+00A0)
# one comma or semicolon with any blanks around it; or one tab with spaces around it; or spaces
_SEPARATOR = re.compile(rf"[^\S\r\n]*[,;\uff0c\uff1b][^\S\r\n]*|{_SOFT}*\t{_SOFT}*|{_SOFT}+")
_EDGES = re.compile(rf"^{_SOFT}+|{_SOFT}+$")


def parse_numbers(text: str, max_rows: int = MAX_ROWS, max_cols: int = MAX_COLS,
                  max_bytes: int = MAX_BYTES) -> np.ndarray:
    """Pasted numbers -> x (T, D) float64: one line per time step, values separated by commas,
    semicolons, tabs or spaces (full-width ，and ；too). Blank lines and lines starting with #
    are skipped. Two separators in a row (e.g. "1,,2") leave an empty value, which is refused.

    Raises DataError: data.too_large, data.empty, data.too_many_rows, data.too_many_cols,
    data.ragged, data.empty_cell, data.not_number, data.nonfinite, data.bad_delimiter_text.
    """
    if not isinstance(text, str):
        raise ValueError(f"text: expected a str, got {type(text).__name__}")
    max_rows = _check_limit("max_rows", max_rows)
    max_cols = _check_limit("max_cols", max_cols)
    max_bytes = _check_limit("max_bytes", max_bytes)
    if len(text) > max_bytes:  # every character is at least one byte
        raise DataError("data.too_large", size=len(text.encode("utf-8", "surrogatepass")),
                        limit=max_bytes)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise DataError("data.too_large", size=size, limit=max_bytes)

    lines = [(n, line) for n, line in enumerate(_LINES.split(text), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise DataError("data.empty")
    if len(lines) > max_rows:
        raise DataError("data.too_many_rows", rows=len(lines), limit=max_rows)
    rows: list[list[float]] = []
    first_row = D = 0
    for n, line in lines:
        cells = _SEPARATOR.split(_EDGES.sub("", line))
        if len(cells) > max_cols:
            raise DataError("data.too_many_cols", row=n, cols=len(cells), limit=max_cols)
        if not rows:
            first_row, D = n, len(cells)
        elif len(cells) != D:
            raise DataError("data.ragged", row=n, got=len(cells), expected=D,
                            first_row=first_row)
        rows.append([_to_float(cell, {"where_key": "data.where", "row": n, "col": c}, True)
                     for c, cell in enumerate(cells, start=1)])
    return _to_array(rows, D)


# ---------------------------------------------------------------------------------------------
# CSV files
# ---------------------------------------------------------------------------------------------

_DELIMITERS = ("\t", ";", ",")  # on a tie, the rarer one wins: with ";" a "," is a decimal mark
_SNIFF_ROWS = 50


def _bytes(name: str, data) -> bytes:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"{name}: expected bytes, got {type(data).__name__}")
    return bytes(data)


def _decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) without NUL characters, or data.encoding at the first bad byte."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as err:
        bad = start + err.start
    else:
        nul = text.find("\x00")  # UTF-16 text of ASCII characters decodes, with NULs between
        if nul < 0:
            return text
        bad = start + len(text[:nul].encode("utf-8"))
    row = len(_LINES.split(data[:bad].decode("utf-8", "replace"))) if bad else 1
    raise DataError("data.encoding", byte=bad + 1, row=row)


def _records(text: str, delimiter: str):
    """(first line number, stripped cells) per CSV record, counting lines as the file has them."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:  # an unbalanced quote swallowing the rest of the file, say
            raise DataError("data.malformed_csv", row=line + 1) from None
        yield line + 1, [c.strip() for c in cells]
        line = reader.line_num


def _skip(cells: list[str]) -> bool:
    """Blank rows (also ",,," as spreadsheets write them) and # comments are not data."""
    return not any(cells) or cells[0].startswith("#")


def _sniff(text: str) -> str:
    """The delimiter among tab, ';' and ',' under which the first rows read best as numbers:
    most cells numeric (a decimal comma counts), then more than one column, then the same
    cell count in every row."""
    sample = text.splitlines()[:4 * _SNIFF_ROWS]
    best, best_score = ",", None
    for d in _DELIMITERS:
        try:
            rows = [r for _, r in _records("\n".join(sample), d) if not _skip(r)][:_SNIFF_ROWS]
        except DataError:
            continue
        if not rows:  # only blank cells under this delimiter (",,,"): the file is empty
            return d
        body = rows[1:] if len(rows) > 1 else rows  # the first row may be a header
        cells = [c for r in body for c in r]
        numeric = sum(_number_kind(c) in ("number", "nonfinite", "decimal_comma")
                      for c in cells) / max(len(cells), 1)
        counts = {len(r) for r in rows}
        score = (numeric, max(counts) > 1, len(counts) == 1)
        if best_score is None or score > best_score:
            best, best_score = d, score
    return best


def parse_csv(data: bytes, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS,
              max_cols: int = MAX_COLS) -> tuple[np.ndarray, list[str]]:
    """An uploaded CSV file -> (x (T, D) float64, column_names (D,) list of str).

    UTF-8 with or without BOM. The delimiter is found among comma, semicolon and tab. If the
    first row holds anything that is not a number, it is the header and names the columns;
    otherwise (and for header cells left blank) the names are "x0", "x1", ... One column per
    feature, one row per time step; blank rows, rows of empty cells and # comment rows are
    skipped; an empty last column in every row (a trailing delimiter) is dropped.

    Raises DataError: data.too_large, data.encoding, data.malformed_csv, data.empty,
    data.header_only, data.too_many_rows, data.too_many_cols, data.ragged,
    data.ragged_header, data.empty_cell, data.not_number, data.nonfinite,
    data.decimal_comma, data.bad_delimiter.
    """
    data = _bytes("data", data)
    max_bytes = _check_limit("max_bytes", max_bytes)
    max_rows = _check_limit("max_rows", max_rows)
    max_cols = _check_limit("max_cols", max_cols)
    if len(data) > max_bytes:
        raise DataError("data.too_large", size=len(data), limit=max_bytes)
    text = _decode(data)
    records = [(n, cells) for n, cells in _records(text, _sniff(text)) if not _skip(cells)]
    if not records:
        raise DataError("data.empty")
    if all(len(c) > 1 and c[-1] == "" for _, c in records):  # "1,2," on every row
        records = [(n, c[:-1]) for n, c in records]

    header_row, first = records[0]
    has_header = any(_number_kind(c) == "other" for c in first)
    if has_header:
        names = [name or f"x{i}" for i, name in enumerate(first)]
        records = records[1:]
        if not records:
            raise DataError("data.header_only", header_row=header_row)
    if len(records) > max_rows:
        raise DataError("data.too_many_rows", rows=len(records), limit=max_rows)
    D = len(first) if has_header else len(records[0][1])
    if D > max_cols:
        raise DataError("data.too_many_cols", row=header_row, cols=D, limit=max_cols)
    first_row = records[0][0]
    rows: list[list[float]] = []
    for n, cells in records:
        if len(cells) > max_cols:
            raise DataError("data.too_many_cols", row=n, cols=len(cells), limit=max_cols)
        if len(cells) != D:
            if has_header:
                raise DataError("data.ragged_header", row=n, got=len(cells), expected=D,
                                header_row=header_row)
            raise DataError("data.ragged", row=n, got=len(cells), expected=D,
                            first_row=first_row)
        row = []
        for c, cell in enumerate(cells, start=1):
            if has_header:
                where = {"where_key": "data.where_header", "row": n, "col": c,
                         "name": _show(names[c - 1]), "header_row": header_row}
            else:
                where = {"where_key": "data.where", "row": n, "col": c}
            row.append(_to_float(cell, where, False))
        rows.append(row)
    if not has_header:
        names = [f"x{i}" for i in range(D)]
    return _to_array(rows, D), names


# ---------------------------------------------------------------------------------------------
# .npy files
# ---------------------------------------------------------------------------------------------

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"


def _npy_header(data: bytes):
    """(shape, fortran_order, dtype, data offset) from the header alone, so a forged shape
    cannot make np.load allocate memory the file does not hold."""
    from numpy.lib import format as npy_format

    fp = io.BytesIO(data)
    try:
        version = npy_format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran, dtype = npy_format.read_array_header_2_0(fp)
        else:  # 3.0 only differs for structured dtypes with non-Latin-1 names: not numbers
            raise ValueError(f"unsupported .npy version {version}")
    except Exception:  # any damage to the header; numpy raises several types for it
        raise DataError("data.npy_invalid") from None
    return shape, fortran, dtype, fp.tell()


def parse_npy(data: bytes, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS,
              max_cols: int = MAX_COLS) -> np.ndarray:
    """An uploaded .npy file -> x (T, D) float64. A 1-D array (T,) becomes (T, 1); a 2-D array
    is (T, D). Integer and real floating dtypes only; loaded without pickle.

    Raises DataError: data.too_large, data.npz, data.npy_invalid, data.bad_dtype,
    data.bad_shape, data.empty_array, data.too_many_rows, data.too_many_cols, data.nonfinite.
    """
    data = _bytes("data", data)
    max_bytes = _check_limit("max_bytes", max_bytes)
    max_rows = _check_limit("max_rows", max_rows)
    max_cols = _check_limit("max_cols", max_cols)
    if len(data) > max_bytes:
        raise DataError("data.too_large", size=len(data), limit=max_bytes)
    if data.startswith(_ZIP_MAGIC):
        raise DataError("data.npz")
    if not data.startswith(_NPY_MAGIC):
        raise DataError("data.npy_invalid")
    shape, _, dtype, offset = _npy_header(data)
    if dtype.kind not in "iuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise DataError("data.bad_dtype", dtype=str(dtype))
    shape_text = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    if len(shape) not in (1, 2):
        raise DataError("data.bad_shape", shape=shape_text)
    if min(shape) < 0:
        raise DataError("data.npy_invalid")
    T = shape[0]
    D = shape[1] if len(shape) == 2 else 1
    if T == 0 or D == 0:
        raise DataError("data.empty_array", shape=shape_text)
    if T > max_rows:
        raise DataError("data.too_many_rows", rows=T, limit=max_rows)
    if D > max_cols:
        raise DataError("data.too_many_cols", row=1, cols=D, limit=max_cols)
    if len(data) - offset < T * D * dtype.itemsize:
        raise DataError("data.npy_invalid")  # cut short
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception:  # the header was read above; anything else wrong is damage too
        raise DataError("data.npy_invalid") from None
    with np.errstate(over="ignore"):  # a float128 beyond float64's range becomes inf: refused
        x = arr.astype(np.float64).reshape(T, D)  # (T, D)
    bad = np.argwhere(~np.isfinite(x))
    if len(bad):
        i, j = (int(v) for v in bad[0])
        index = f"[{i}, {j}]" if len(shape) == 2 else f"[{i}]"
        raise DataError("data.nonfinite", where_key="data.where_index", row=i + 1, col=j + 1,
                        index=index, value=str(arr[i, j] if len(shape) == 2 else arr[i]))
    return np.ascontiguousarray(x)
