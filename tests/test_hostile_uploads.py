"""Uploads built to hurt the server: zip bombs, forged .npy headers, zip directories that lie,
odd member names and dtypes. Each is refused from the zip's directory or the member's header,
before its data is decompressed, with peak memory that stays small (tracemalloc: numpy reports
its array memory to it) and with the bytes zlib actually unpacked counted. Refused files are
remembered by digest in the session and not parsed again on the next rerun.

The bombs are built here without writing gigabytes: zeros streamed through zipfile's deflate
in 1 MB chunks, or a header that claims a shape the data does not have.
"""

from __future__ import annotations

import ast
import importlib
import io
import struct
import tracemalloc
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from apptest_util import app_config, check_no_exception, open_page
from numpy.lib import format as npy_format

from ui.data_input import MAX_BYTES as DATA_MAX_BYTES
from ui.data_input import MAX_COLS, MAX_ROWS, DataError
from ui.i18n import LANGS, STRINGS, translate
from ui.weights_input import (
    MAX_ARRAYS,
    MAX_PARAMETERS,
    MAX_RATIO,
    MAX_UNPACKED,
    RATIO_FLOOR,
    parameter_count,
    parse_weights_npz,
)

frame = importlib.import_module("ui.frame")  # ui exports frame(), which hides the module
ROOT = Path(__file__).resolve().parent.parent
MB = 1 << 20
SMALL_PEAK = 20 * MB  # what refusing a bomb may allocate at most


# ---------------------------------------------------------------------------------------------
# building archives
# ---------------------------------------------------------------------------------------------

def npy(arr: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def npy_header(shape: tuple, descr="<f8", fortran: bool = False) -> bytes:
    buf = io.BytesIO()
    npy_format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": fortran,
                                            "shape": shape})
    return buf.getvalue()


def archive(members, method: int = zipfile.ZIP_STORED) -> bytes:
    """A zip of (name, bytes) members, duplicates kept."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name, and writes it
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def streamed(name: str, head: bytes, zero_bytes: int, tail: bytes = b"") -> bytes:
    """One deflated member: `head`, then `zero_bytes` zeros written 1 MB at a time, then `tail`;
    the archive stays small and is never held unpacked."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open(name, "w") as w:
            w.write(head)
            zeros = bytes(MB)
            for start in range(0, zero_bytes, MB):
                w.write(zeros[:min(MB, zero_bytes - start)])
            w.write(tail)
    return buf.getvalue()


def savez(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def patch_entry(data: bytes, file_size: int | None = None, crc: int | None = None,
                flags: int | None = None) -> bytes:
    """The archive with its first member's unpacked size, CRC or flags replaced, in the central
    directory (what zipfile trusts) and the local header alike (so the two agree)."""
    out = bytearray(data)
    local = out.index(b"PK\x03\x04")
    central = out.index(b"PK\x01\x02")
    for base, off_flags, off_crc, off_size in ((local, 6, 14, 22), (central, 8, 16, 24)):
        if flags is not None:
            struct.pack_into("<H", out, base + off_flags, flags)
        if crc is not None:
            struct.pack_into("<I", out, base + off_crc, crc)
        if file_size is not None:
            struct.pack_into("<I", out, base + off_size, file_size)
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------------------------

class Unpacked:
    """Counts the bytes zlib decompresses while it is installed (zipfile makes one
    zlib.decompressobj per deflated member it opens)."""

    def __init__(self):
        self.bytes = 0

    def install(self, monkeypatch):
        real = zlib.decompressobj
        counter = self

        class Counting:
            def __init__(self, *args):
                self._d = real(*args)

            def decompress(self, data, max_length=0):
                out = self._d.decompress(data, max_length)
                counter.bytes += len(out)
                return out

            def flush(self, *args):
                out = self._d.flush(*args)
                counter.bytes += len(out)
                return out

            def __getattr__(self, name):  # eof, unconsumed_tail, unused_data
                return getattr(self._d, name)

        monkeypatch.setattr(zlib, "decompressobj", Counting)
        return self


def traced(fn):
    """(fn(), the peak bytes traced while it ran)."""
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refused(data: bytes) -> tuple[DataError, int]:
    """(the DataError, peak bytes traced) of parsing `data`, which must be refused."""
    def parse():
        with pytest.raises(DataError) as info:
            parse_weights_npz(data)
        return info.value

    return traced(parse)


# ---------------------------------------------------------------------------------------------
# the limits
# ---------------------------------------------------------------------------------------------

def test_the_unpacked_limit_is_the_largest_legal_state_dict_as_float64():
    """Counted by hand: D 512, H 1024, L 4, K 2, O 512 (ui/config.py's largest sizes)."""
    H, D, O = 1024, 512, 512
    layer0 = H * D + H * H + 2 * H
    deeper = H * 2 * H + H * H + 2 * H
    by_hand = 2 * (layer0 + 3 * deeper) + O * 2 * H + O
    assert MAX_PARAMETERS == by_hand == parameter_count(D, H, 4, 2, O)
    assert MAX_PARAMETERS * 8 < MAX_UNPACKED < MAX_PARAMETERS * 8 + MAX_ARRAYS * 8192


def test_parameter_count_matches_the_apps_own_parameters():
    from ui.compute import compute_run
    from ui.config import Config

    cfg = Config(input_size=5, hidden_size=7, num_layers=3, bidirectional=True, output_size=2)
    run = compute_run(cfg)
    n = sum(np.asarray(v).size for v in run.params.values())
    n += sum(np.asarray(v).size for v in run.head.values())
    assert parameter_count(5, 7, 3, 2, 2) == n


# ---------------------------------------------------------------------------------------------
# (a) zip bombs
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bomb() -> bytes:
    """256 MB of zeros behind a header that states them (32768 x 1024 float64): about 260 KB."""
    return streamed("weight_ih_l0.npy", npy_header((32768, 1024)), 256 * MB)


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking(bomb, monkeypatch):
    assert len(bomb) < MB
    unpacked = Unpacked().install(monkeypatch)
    err, peak = refused(bomb)
    assert err.key == "wt.too_big_uncompressed"
    assert err.params["size"] > 256 * MB and err.params["limit"] == MAX_UNPACKED
    assert unpacked.bytes == 0
    assert peak < SMALL_PEAK, peak


def test_a_bomb_of_legal_shapes_is_refused_by_its_compression_ratio(monkeypatch):
    """Eight 1024 x 1024 float64 matrices of zeros: every shape is legal and the sum (64 MB)
    is under the limit, but 64 MB from about 70 KB is no trained network."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("weight_ih_l0.npy", npy(np.ones((1, 1))))
        for layer in range(4):
            for sfx in ("", "_reverse"):
                with zf.open(f"weight_hh_l{layer}{sfx}.npy", "w") as w:
                    w.write(npy_header((1024, 1024)))
                    for _ in range(8):
                        w.write(bytes(MB))
    data = buf.getvalue()
    unpacked = Unpacked().install(monkeypatch)
    err, peak = refused(data)
    assert err.key == "wt.ratio" and err.params["limit"] == MAX_RATIO
    assert err.params["size"] > RATIO_FLOOR and err.params["ratio"] > MAX_RATIO
    assert unpacked.bytes == 0 and peak < SMALL_PEAK


def test_zero_weights_under_the_ratio_floor_still_load():
    """A zero-initialised network is a fair thing to upload: compressed 1000 times, but small."""
    buf = io.BytesIO()
    np.savez_compressed(buf, weight_ih_l0=np.zeros((256, 3)), weight_hh_l0=np.zeros((256, 256)))
    state = parse_weights_npz(buf.getvalue())
    assert not state["weight_hh_l0"].any() and state["weight_hh_l0"].shape == (256, 256)


# ---------------------------------------------------------------------------------------------
# (b) forged .npy headers
# ---------------------------------------------------------------------------------------------

def test_a_tiny_file_whose_header_claims_745_gib_is_refused_from_the_header(monkeypatch):
    """The issue's 426-byte file: a header claiming 10^6 x 10^5 float64 over 8 bytes of data."""
    data = archive([("weight_ih_l0.npy", npy_header((1_000_000, 100_000)) + bytes(8))])
    assert len(data) < 500
    unpacked = Unpacked().install(monkeypatch)
    err, peak = refused(data)
    assert err.key == "wt.shape_limit" and "1000000, 100000" in err.params["shape"]
    assert peak < MB and unpacked.bytes == 0


def test_a_header_of_legal_shape_over_too_little_data_is_refused_from_the_header():
    data = archive([("weight_ih_l0.npy", npy_header((1024, 512)) + bytes(8))])
    err, peak = refused(data)
    assert err.key == "wt.size_mismatch"
    assert (err.params["expected"], err.params["given"]) == (1024 * 512 * 8, 8)
    assert peak < MB


def test_a_version_2_header_claiming_a_4_gb_header_is_not_read_past_its_first_bytes(
        monkeypatch):
    """numpy reads whatever header length a version-2 header states before checking it; here
    it states 4 GB over 15 MB of spaces (under the ratio floor, so the directory passes)."""
    head = b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFF0) + b"{"
    data = streamed("weight_ih_l0.npy", head, 0, tail=b" " * (15 * MB))
    unpacked = Unpacked().install(monkeypatch)
    err, peak = refused(data)
    assert err.key == "wt.bad_header" and err.params["name"] == "weight_ih_l0"
    assert unpacked.bytes < 64 * 1024 and peak < 2 * MB


# ---------------------------------------------------------------------------------------------
# (c) a directory that lies
# ---------------------------------------------------------------------------------------------

SMALL = np.arange(48, dtype=np.float64).reshape(16, 3)


@pytest.fixture(scope="module")
def understated() -> tuple[bytes, int]:
    """A member whose header and first bytes are a (16, 3) float64 array, followed by 100 MB
    of zeros; (the archive, the size of the honest part)."""
    head = npy(SMALL)
    return streamed("weight_ih_l0.npy", head, 100 * MB), len(head)


def test_a_directory_that_understates_a_member_cannot_make_it_unpack_more(understated,
                                                                          monkeypatch):
    """The directory says 512 bytes, the member unpacks to 100 MB: the CRC of the whole no
    longer matches what the declared size yields, and nothing past it is unpacked."""
    data, honest = understated
    lying = patch_entry(data, file_size=honest)
    unpacked = Unpacked().install(monkeypatch)
    err, peak = refused(lying)
    assert err.key == "wt.corrupt" and err.params["size"] == honest
    assert unpacked.bytes < 64 * 1024 and peak < SMALL_PEAK


def test_a_lie_with_a_matching_crc_yields_only_the_declared_array(understated, monkeypatch):
    """With the CRC forged too, the member is a valid 512-byte array followed by garbage that
    is never read: exactly the declared (16, 3) numbers come back."""
    data, honest = understated
    lying = patch_entry(data, file_size=honest, crc=zlib.crc32(npy(SMALL)))
    unpacked = Unpacked().install(monkeypatch)
    state, peak = traced(lambda: parse_weights_npz(lying))
    np.testing.assert_array_equal(state["weight_ih_l0"], SMALL)
    assert unpacked.bytes < 64 * 1024 and peak < SMALL_PEAK


def test_a_directory_that_overstates_a_member_is_refused():
    honest = npy(SMALL)
    data = archive([("weight_ih_l0.npy", honest)], zipfile.ZIP_DEFLATED)
    big = npy_header((1024, 512))
    forged = archive([("weight_ih_l0.npy", big + bytes(64))], zipfile.ZIP_DEFLATED)
    lying = patch_entry(forged, file_size=len(big) + 1024 * 512 * 8)
    err, _ = refused(lying)
    assert err.key == "wt.corrupt"
    assert parse_weights_npz(data)["weight_ih_l0"].shape == (16, 3)  # the honest one reads


def test_a_damaged_deflate_stream_is_refused():
    buf = io.BytesIO()
    np.savez_compressed(buf, weight_ih_l0=np.random.default_rng(0).normal(size=(64, 64)))
    data = bytearray(buf.getvalue())
    start = data.index(b"PK\x03\x04") + 30 + len("weight_ih_l0.npy") + 20 + 200
    data[start:start + 64] = bytes(range(64))
    err, _ = refused(bytes(data))
    assert err.key == "wt.corrupt"


# ---------------------------------------------------------------------------------------------
# (d) names, counts, dtypes and shapes
# ---------------------------------------------------------------------------------------------

W0 = npy(np.ones((4, 3)))
H0 = npy(np.ones((4, 4)))


def _many_entries(count: int, claimed: int | None = None) -> bytes:
    data = archive([(f"weight_ih_l{i}.npy", b"") for i in range(count)])
    if claimed is None:
        return data
    out = bytearray(data)
    end = out.rindex(b"PK\x05\x06")
    struct.pack_into("<HH", out, end + 8, claimed, claimed)
    return bytes(out)


def _encrypted() -> bytes:
    return patch_entry(archive([("weight_ih_l0.npy", W0)]), flags=0x1)


HOSTILE = {  # name: (archive, key, a parameter the message must carry)
    "parent_folder": (archive([("../x.npy", W0)]), "wt.member_name", ("name", "../x.npy")),
    "folder_entry": (archive([("weight_ih_l0.npy/", b""), ("weight_ih_l0.npy", W0)]),
                     "wt.member_name", ("name", "weight_ih_l0.npy/")),
    "in_a_folder": (archive([("sub/weight_ih_l0.npy", W0)]), "wt.member_name", None),
    "no_npy_suffix": (archive([("weight_ih_l0", W0)]), "wt.member_name", None),
    "absurd_name": (archive([("a" * 300 + ".npy", W0)]), "wt.member_name", None),
    "control_char": (archive([("weight\x07.npy", W0)]), "wt.member_name",
                     ("name", "weight\\x07.npy")),
    "unknown": (archive([("evil.npy", W0)]), "wt.unknown_name", ("name", "evil")),
    "leading_zero_layer": (archive([("weight_ih_l0.npy", W0), ("weight_ih_l01.npy", W0)]),
                           "wt.unknown_name", ("name", "weight_ih_l01")),
    "layer_past_limit": (archive([("weight_ih_l0.npy", W0), ("weight_hh_l4.npy", H0)]),
                         "wt.layer_limit", ("layer", 4)),
    "duplicate": (archive([("weight_ih_l0.npy", W0), ("weight_ih_l0.npy", W0)]),
                  "wt.duplicate", ("name", "weight_ih_l0")),
    "too_many": (_many_entries(MAX_ARRAYS + 1), "wt.too_many", ("count", MAX_ARRAYS + 1)),
    "directory_count_forged": (_many_entries(3000, claimed=2), "wt.not_npz", None),
    "encrypted": (_encrypted(), "wt.encrypted", ("name", "weight_ih_l0")),
    "lzma": (archive([("weight_ih_l0.npy", W0)], zipfile.ZIP_LZMA), "wt.compression",
             ("method", zipfile.ZIP_LZMA)),
    "object": (archive([("weight_ih_l0.npy", npy(np.array([[{}]], dtype=object), True))]),
               "wt.pickle", ("name", "weight_ih_l0")),
    "structured": (archive([("weight_ih_l0.npy", npy(np.zeros((2, 2), [("a", "f8")])))]),
                   "wt.bad_dtype", None),
    "subarray_dtype": (archive([("weight_ih_l0.npy", npy_header((2,), ("<f8", (3,)))
                                 + bytes(48))]), "wt.bad_dtype", None),
    "complex": (archive([("weight_ih_l0.npy", npy(np.zeros((2, 2), np.complex128)))]),
                "wt.bad_dtype", None),
    "bool": (archive([("weight_ih_l0.npy", npy(np.zeros((2, 2), bool)))]), "wt.bad_dtype",
             None),
    "longdouble": (archive([("weight_ih_l0.npy", npy_header((2, 2), "<f16") + bytes(64))]),
                   "wt.dtype_wide", None),
    "three_d": (archive([("weight_ih_l0.npy", npy(np.zeros((2, 2, 2))))]), "wt.shape_limit",
                ("shape", "(2, 2, 2)")),
    "scalar": (archive([("weight_ih_l0.npy", npy(np.float64(1.0)))]), "wt.shape_limit", None),
    "empty_axis": (archive([("weight_ih_l0.npy", npy(np.zeros((0, 3))))]), "wt.shape_limit",
                   None),
    "bias_as_matrix": (archive([("weight_ih_l0.npy", W0), ("bias_ih_l0.npy", W0)]),
                       "wt.shape_limit", ("name", "bias_ih_l0")),
    "hidden_past_limit": (archive([("weight_ih_l0.npy", npy(np.zeros((1025, 1), np.float32)))]),
                          "wt.shape_limit", ("allowed", "(1 … 1024, 1 … 512)")),
    "gated_cell": (archive([("weight_ih_l0.npy", npy(np.zeros((1200, 3), np.float32))),
                            ("weight_hh_l0.npy", npy(np.zeros((1200, 300), np.float32)))]),
                   "wt.not_rnn", ("rows", 1200)),
    "nonfinite": (archive([("weight_ih_l0.npy", npy(np.array([[1.0, np.nan]], np.float32)))]),
                  "wt.nonfinite", ("name", "weight_ih_l0")),
    "float16_inf": (archive([("weight_ih_l0.npy", npy(np.array([[np.inf]], np.float16)))]),
                    "wt.nonfinite", None),
    "no_rnn": (archive([("head.weight.npy", npy(np.ones((2, 2))))]), "wt.no_rnn", None),
    "not_a_zip": (b"\x93NUMPY" + bytes(100), "wt.not_npz", None),
    "zip64_directory": (archive([("weight_ih_l0.npy", W0)]).replace(
        b"PK\x05\x06", b"PK\x06\x07" + bytes(16) + b"PK\x05\x06"), "wt.not_npz", None),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_archive_is_refused_with_its_reason(case):
    data, key, param = HOSTILE[case]
    err, peak = refused(data)
    assert err.key == key, (case, err.key, str(err))
    if param is not None:
        assert err.params[param[0]] == param[1], err.params
    assert peak < SMALL_PEAK
    for lang in LANGS:
        assert err.message(lang)  # every message renders in both languages


def test_a_directory_of_thousands_of_entries_is_refused_before_zipfile_parses_it():
    """zipfile builds a ZipInfo per entry; the end record is read first, so 20,000 entries
    cost nothing (zipfile alone allocates several MB for them)."""
    data = _many_entries(20_000)
    err, peak = refused(data)
    assert err.key == "wt.too_many" and err.params["count"] == 20_000
    _, zipfile_peak = traced(lambda: zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert peak < zipfile_peak / 10, (peak, zipfile_peak)


def test_every_weights_error_key_has_both_languages_and_takes_its_parameters():
    """Each DataError("wt....", ...) raised in ui/weights_input.py names a key of the table
    whose placeholders are all among the keyword arguments given."""
    import string

    source = (ROOT / "ui" / "weights_input.py").read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DataError"
                and node.args and isinstance(node.args[0], ast.Constant)):
            found.append((node.args[0].value, {k.arg for k in node.keywords}))
    assert len(found) > 15
    for key, given in found:
        assert key in STRINGS, key
        for text in STRINGS[key]:
            needed = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            assert needed <= given, (key, needed - given)


@pytest.mark.parametrize("key", ["wt.memory", "up.data_memory"])
def test_the_memory_messages_name_the_limit(key):
    params = {"limit": MAX_UNPACKED, "rows": 2000, "cols": 512}
    for lang in LANGS:
        assert f"{MAX_UNPACKED:,}" in translate(key, lang, **params)


# ---------------------------------------------------------------------------------------------
# (e) honest files
# ---------------------------------------------------------------------------------------------

def test_a_savez_state_dict_loads_as_saved():
    rng = np.random.default_rng(1)
    arrays = {"weight_ih_l0": rng.normal(size=(8, 3)), "weight_hh_l0": rng.normal(size=(8, 8)),
              "bias_ih_l0": rng.normal(size=8), "bias_hh_l0": rng.normal(size=8),
              "weight_ih_l1_reverse": rng.normal(size=(8, 16)).astype(np.float32),
              "head.weight": rng.normal(size=(2, 8)).astype(">f8"),
              "head.bias": np.array([1, -2], np.int16)}
    arrays["weight_hh_l1"] = np.asfortranarray(rng.normal(size=(8, 8)))
    for writer in (np.savez, np.savez_compressed):
        buf = io.BytesIO()
        writer(buf, **arrays)
        state = parse_weights_npz(buf.getvalue())
        assert set(state) == set(arrays)
        for name, value in arrays.items():
            assert state[name].dtype == np.float64, name
            np.testing.assert_array_equal(state[name], value.astype(np.float64))


def test_float32_becomes_float64_with_the_same_values():
    w = np.random.default_rng(2).normal(size=(16, 3)).astype(np.float32)
    state = parse_weights_npz(savez(weight_ih_l0=w))
    assert state["weight_ih_l0"].dtype == np.float64
    np.testing.assert_array_equal(state["weight_ih_l0"], w.astype(np.float64))


def test_a_float64_array_is_read_once_not_copied():
    """Peak memory while reading an 8 MB float64 matrix stays under 1.5 times its size: the
    data is read into the array that is returned (np.load followed by astype(np.float64) held
    two 8 MB arrays at once)."""
    w = np.random.default_rng(3).normal(size=(1024, 1024))
    data = savez(weight_ih_l0=np.ones((1024, 1)), weight_hh_l0=w)
    state, peak = traced(lambda: parse_weights_npz(data))
    np.testing.assert_array_equal(state["weight_hh_l0"], w)
    assert peak < 1.5 * w.nbytes, (peak, w.nbytes)


# ---------------------------------------------------------------------------------------------
# (f) in the app: a message, no exception, and no second parse
# ---------------------------------------------------------------------------------------------

def _counting(monkeypatch, name: str, fake=None) -> list:
    """Replace frame's `name` (the reference the uploader calls) by a wrapper counting calls."""
    calls = []
    real = getattr(frame, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return (fake or real)(*args, **kwargs)

    monkeypatch.setattr(frame, name, counted)
    return calls


def _errors(at) -> list[str]:
    return [e.value for e in at.error]


@pytest.mark.parametrize("lang", LANGS)
def test_a_bomb_upload_is_an_error_and_is_not_parsed_again(bomb, monkeypatch, lang):
    expected = refused(bomb)[0].message(lang)
    calls = _counting(monkeypatch, "parse_weights_npz")
    at = open_page("recurrence", {"lang": lang})
    at.file_uploader(key="w_weights_file").upload("bomb.npz", bomb,
                                                  "application/octet-stream").run()
    check_no_exception(at)
    assert expected in _errors(at) and len(calls) == 1
    at.run()  # a rerun with the file still in the uploader
    check_no_exception(at)
    assert expected in _errors(at) and len(calls) == 1
    assert not app_config(at).weights and "rnnx_weights" not in at.session_state


@pytest.mark.parametrize("lang", LANGS)
def test_running_out_of_memory_while_parsing_names_the_limit(monkeypatch, lang):
    """No traceback but the limit; not parsed again on a rerun, but once the learner removes
    the file and uploads it again (the server may have the memory then)."""
    def no_memory(data):
        raise MemoryError

    calls = _counting(monkeypatch, "parse_weights_npz", fake=no_memory)
    at = open_page("recurrence", {"lang": lang})
    w = savez(weight_ih_l0=np.ones((16, 3)), weight_hh_l0=np.ones((16, 16)),
              bias_ih_l0=np.ones(16), bias_hh_l0=np.ones(16))
    at.file_uploader(key="w_weights_file").upload("w.npz", w, "application/octet-stream").run()
    check_no_exception(at)
    message = translate("wt.memory", lang, limit=MAX_UNPACKED)
    assert message in _errors(at) and f"{MAX_UNPACKED:,}" in message
    at.run()
    assert message in _errors(at) and len(calls) == 1
    monkeypatch.setattr(frame, "parse_weights_npz", parse_weights_npz)  # memory is back
    at.file_uploader(key="w_weights_file").clear().run()
    at.file_uploader(key="w_weights_file").upload("w.npz", w, "application/octet-stream").run()
    check_no_exception(at)
    assert message not in _errors(at) and app_config(at).weights


@pytest.mark.parametrize("lang", LANGS)
def test_a_refused_data_file_is_not_parsed_again(monkeypatch, lang):
    calls = _counting(monkeypatch, "parse_csv")
    at = open_page("recurrence", {"lang": lang})
    at.selectbox(key="w_source").set_value("csv").run()
    at.sidebar.file_uploader(key="w_upload_file").upload("bad.csv", b"1,2\n3,x\n",
                                                         "text/csv").run()
    check_no_exception(at)
    first = _errors(at)
    assert first and len(calls) == 1
    at.run()
    check_no_exception(at)
    assert _errors(at) == first and len(calls) == 1


def test_running_out_of_memory_on_a_data_file_names_the_limits(monkeypatch):
    def no_memory(data):
        raise MemoryError

    _counting(monkeypatch, "parse_csv", fake=no_memory)
    at = open_page("recurrence")
    at.selectbox(key="w_source").set_value("csv").run()
    at.sidebar.file_uploader(key="w_upload_file").upload("x.csv", b"1,2\n", "text/csv").run()
    check_no_exception(at)
    assert translate("up.data_memory", "en", limit=DATA_MAX_BYTES, rows=MAX_ROWS,
                     cols=MAX_COLS) in _errors(at)
