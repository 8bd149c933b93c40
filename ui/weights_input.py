"""Reading trained weights a user uploads: an .npz of a state dict under torch's names.

What `{k: v.numpy() for k, v in model.state_dict().items()}` saved with `np.savez` gives, for a
`torch.nn.RNN`, optionally with the output layer as `head.weight` / `head.bias` (the app's own
download has both). `.pt` files are pickles and are not read at all.

An .npz is a zip, and a zip can claim anything: a few hundred kilobytes of zeros unpack to
gigabytes, a forged .npy header asks for any shape, and the zip's directory can lie about the
sizes it lists. So nothing is decompressed before the directory and every member's header have
been checked against the largest network this app can run, and then each member is read with
a bounded read into one preallocated array:
1. the end-of-central-directory record (the archive's last bytes): member count and directory
   size, before `zipfile` parses any entry;
2. the directory: member names, duplicates, compression method, declared unpacked sizes (their
   sum, and their ratio to the file's size);
3. each member's first `_HEADER_MAX` bytes: the .npy header's dtype and shape against the app's
   limits, and header + shape x itemsize against the size the directory declares;
4. the data: exactly the bytes the header describes, then the end of the member (the zip's
   CRC check), so a directory that understates a member cannot make us unpack more.

Errors are `DataError`s with a key of the one translation table ("wt.*") and its parameters;
the keys this module adds are in ui/i18n_uploads.py.
"""

from __future__ import annotations

import io
import math
import re
import struct
import zipfile
import zlib

import numpy as np

from .config import FIELDS
from .data_input import DataError, _npy_header, _show

MAX_BYTES = 20_000_000  # the upload itself (compressed); random float32 weights do not compress
MAX_ARRAYS = 64  # members of the zip; a legal state dict has at most 4 x 2 x 4 + 2 = 34

# The sidebar's largest sizes (ui/config.py FIELDS): no legal array is larger than these allow.
D_MAX = int(FIELDS["input_size"].hi)  # 512
H_MAX = int(FIELDS["hidden_size"].hi)  # 1024
L_MAX = int(FIELDS["num_layers"].hi)  # 4
O_MAX = int(FIELDS["output_size"].hi)  # 512
K_MAX = 2  # bidirectional


def parameter_count(D: int, H: int, L: int, K: int, O: int) -> int:
    """Numbers in the state dict of an RNN (input D, hidden H, L layers, K directions, biases)
    with its output layer (O outputs): weight_ih (H, D) or (H, K*H), weight_hh (H, H), two
    biases (H,) per layer and direction, head.weight (O, K*H), head.bias (O,)."""
    first = H * D + H * H + 2 * H
    deeper = H * K * H + H * H + 2 * H
    return K * (first + (L - 1) * deeper) + O * K * H + O


# The largest legal state dict: D 512, H 1024, 4 layers, bidirectional, O 512: 23,085,568
# numbers. As float64 (the widest dtype read) with one header per member, no legal file unpacks
# to more than MAX_UNPACKED (about 185 MB): any file declaring more is refused from its directory.
MAX_PARAMETERS = parameter_count(D_MAX, H_MAX, L_MAX, K_MAX, O_MAX)
_HEADER_MAX = 4096  # bytes of a member read for its .npy header; np.save writes 128
MAX_UNPACKED = MAX_PARAMETERS * 8 + MAX_ARRAYS * _HEADER_MAX
# Trained weights barely compress (float32: about 1.1 times; float32 values stored as float64:
# about 2; sparse ones perhaps 10). A file that unpacks past RATIO_FLOOR at more than MAX_RATIO
# times its size is mostly zeros: refused, so a small upload cannot make a session hold much
# more memory than its size. Below the floor, zero-initialised small networks still load.
MAX_RATIO = 20
RATIO_FLOOR = 16_000_000

_NAME = re.compile(r"(weight|bias)_(ih|hh)_l(0|[1-9][0-9]*)(_reverse)?$")
_HEAD = ("head.weight", "head.bias")
_MEMBER = re.compile(r"[A-Za-z0-9_.]{1,60}\.npy")  # plain names: no folders, no odd characters
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}  # np.savez[_compressed]
_EOCD = struct.Struct("<4s4H2LH")  # the zip's end-of-central-directory record
_EOCD_SIG, _ZIP64_LOCATOR_SIG = b"PK\x05\x06", b"PK\x06\x07"
_DIR_ENTRY_MAX = 1024  # bytes of one directory entry: 46 fixed, a name, zip64 extras
_CHUNK = 1 << 20  # bytes decompressed per read


def _shape_text(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _check_end_record(data: bytes) -> None:
    """Member count and directory size from the end-of-central-directory record, found as
    zipfile finds it (the last 22 bytes, else the last signature within a comment's reach), so
    that zipfile never parses a directory of thousands of entries (200,000 empty entries fit
    in 17 MB and cost zipfile 110 MB)."""
    end = len(data) - _EOCD.size
    if not (end >= 0 and data.startswith(_EOCD_SIG, end) and data.endswith(b"\0\0")):
        end = data.rfind(_EOCD_SIG, max(0, len(data) - _EOCD.size - 0xFFFF))
    if end < 0 or len(data) - end < _EOCD.size:
        raise DataError("wt.not_npz")
    if end >= 20 and data.startswith(_ZIP64_LOCATOR_SIG, end - 20):
        raise DataError("wt.not_npz")  # zip64 directory: only archives past 4 GB need one
    _, _, _, _, entries, dir_size, _, _ = _EOCD.unpack_from(data, end)
    if entries > MAX_ARRAYS:
        raise DataError("wt.too_many", count=entries, limit=MAX_ARRAYS)
    if dir_size > MAX_ARRAYS * _DIR_ENTRY_MAX:
        raise DataError("wt.not_npz")


def _check_directory(infos: list[zipfile.ZipInfo], packed: int) -> dict[str, zipfile.ZipInfo]:
    """{array name: its entry} after checking the names, methods and declared sizes."""
    if len(infos) > MAX_ARRAYS:
        raise DataError("wt.too_many", count=len(infos), limit=MAX_ARRAYS)
    members = {}
    for info in infos:
        if info.is_dir() or not _MEMBER.fullmatch(info.filename):
            raise DataError("wt.member_name", name=_show(info.filename))
        name = info.filename[:-4]
        if name in members:
            raise DataError("wt.duplicate", name=name)
        match = _NAME.match(name)
        if name not in _HEAD and not match:
            raise DataError("wt.unknown_name", name=name)
        if match and int(match.group(3)) >= L_MAX:
            raise DataError("wt.layer_limit", name=name, layer=int(match.group(3)),
                            limit=L_MAX, last=L_MAX - 1)
        if info.flag_bits & 0x1:
            raise DataError("wt.encrypted", name=name)
        if info.compress_type not in _METHODS:  # bzip2 and lzma can claim large dictionaries
            raise DataError("wt.compression", name=name, method=info.compress_type)
        members[name] = info
    if "weight_ih_l0" not in members:
        raise DataError("wt.no_rnn")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED:
        raise DataError("wt.too_big_uncompressed", size=unpacked, limit=MAX_UNPACKED,
                        params=MAX_PARAMETERS)
    if unpacked > RATIO_FLOOR and unpacked > MAX_RATIO * packed:
        raise DataError("wt.ratio", size=unpacked, packed=packed,
                        ratio=unpacked / max(packed, 1), limit=MAX_RATIO, floor=RATIO_FLOOR)
    return members


def _allowed_shape(name: str) -> tuple[int, ...]:
    """The largest shape the app can use for a parameter: (rows,) or (rows, columns)."""
    if name == "head.weight":
        return (O_MAX, K_MAX * H_MAX)
    if name == "head.bias":
        return (O_MAX,)
    kind, mats, layer = _NAME.match(name).group(1, 2, 3)
    if kind == "bias":
        return (H_MAX,)
    if mats == "hh":
        return (H_MAX, H_MAX)
    return (H_MAX, D_MAX if layer == "0" else K_MAX * H_MAX)


def _check_header(name: str, info: zipfile.ZipInfo, header) -> None:
    """A member's .npy header (shape, fortran order, dtype, data offset) against the app's
    limits and the size the directory declares for it."""
    shape, _, dtype, offset = header
    if dtype.hasobject:
        raise DataError("wt.pickle", name=name)
    if dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in "fiu":
        raise DataError("wt.bad_dtype", name=name, dtype=_show(str(dtype)))
    if dtype.itemsize > 8:  # float128 and the like: past float64, what the app computes in
        raise DataError("wt.dtype_wide", name=name, dtype=str(dtype))
    gated = (name == "weight_hh_l0" and len(shape) == 2 and 0 < shape[1] <= H_MAX
             and shape[0] in (3 * shape[1], 4 * shape[1]))
    if gated:  # (4H, H) for an LSTM, (3H, H) for a GRU, whatever H is
        raise DataError("wt.not_rnn", rows=shape[0], cols=shape[1])
    allowed = _allowed_shape(name)
    if len(shape) != len(allowed) or not all(
            1 <= n <= hi for n, hi in zip(shape, allowed, strict=True)):
        raise DataError("wt.shape_limit", name=name, shape=_shape_text(shape)[:80],
                        allowed="(" + ", ".join(f"1 … {hi}" for hi in allowed) + ")")
    nbytes = math.prod(shape) * dtype.itemsize
    if offset + nbytes != info.file_size:
        raise DataError("wt.size_mismatch", name=name, expected=nbytes,
                        given=info.file_size - offset)


def _read_header(zf: zipfile.ZipFile, name: str, info: zipfile.ZipInfo):
    """The member's header from its first bytes only: numpy's reader would read whatever
    length a forged version-2 header states (up to 4 GB) before checking it."""
    with zf.open(info) as f:
        head = f.read(min(info.file_size, _HEADER_MAX))
    try:
        return _npy_header(head)
    except DataError:
        raise DataError("wt.bad_header", name=name) from None


def _read_array(zf: zipfile.ZipFile, name: str, info: zipfile.ZipInfo, header) -> np.ndarray:
    """The member's data, exactly the bytes its header describes, read into one array; then
    the member must end there (which also runs the zip's CRC check)."""
    shape, fortran, dtype, offset = header
    arr = np.empty(math.prod(shape), dtype)
    raw = arr.view(np.uint8)  # (nbytes,)
    pos = 0
    with zf.open(info) as f:
        f.read(offset)  # the header, checked already
        while pos < raw.size:
            chunk = f.read(min(_CHUNK, raw.size - pos))
            if not chunk:
                break
            raw[pos:pos + len(chunk)] = np.frombuffer(chunk, np.uint8)
            pos += len(chunk)
        if pos < raw.size or f.read(1):
            raise DataError("wt.corrupt", name=name, size=info.file_size)
    return arr.reshape(shape, order="F" if fortran else "C")


def parse_weights_npz(data: bytes, max_bytes: int = MAX_BYTES) -> dict[str, np.ndarray]:
    """The arrays of an uploaded .npz, float64, checked to be finite real numbers of shapes the
    app can use, with no more memory than the arrays themselves (a float64 array is not copied).

    Raises DataError: wt.too_large, wt.not_npz, wt.too_many, wt.member_name, wt.duplicate,
    wt.unknown_name, wt.layer_limit, wt.encrypted, wt.compression, wt.no_rnn,
    wt.too_big_uncompressed, wt.ratio, wt.bad_header, wt.pickle, wt.bad_dtype, wt.dtype_wide,
    wt.not_rnn, wt.shape_limit, wt.size_mismatch, wt.corrupt, wt.nonfinite.
    """
    if len(data) > max_bytes:
        raise DataError("wt.too_large", size=len(data), limit=max_bytes)
    _check_end_record(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as err:
        raise DataError("wt.not_npz") from err
    state, headers = {}, {}
    with zf:
        members = _check_directory(zf.infolist(), len(data))
        name = info = None
        try:
            # every header before any data; weight_hh_l0 first, whose shape tells a gated cell
            for name in sorted(members, key=lambda n: n != "weight_hh_l0"):
                info = members[name]
                headers[name] = _read_header(zf, name, info)
                _check_header(name, info, headers[name])
            for name, info in members.items():
                arr = _read_array(zf, name, info, headers[name])
                with np.errstate(over="ignore"):
                    arr = arr.astype(np.float64, copy=False)  # float64 stays the same array
                if not np.isfinite(arr).all():
                    raise DataError("wt.nonfinite", name=name)
                state[name] = arr
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as err:
            # a local header that disagrees with the directory, a broken deflate stream, a CRC
            # that does not match what was unpacked
            raise DataError("wt.corrupt", name=name, size=info.file_size if info else 0) from err
    return state


def infer_sizes(state: dict[str, np.ndarray]) -> dict:
    """The configuration a state dict describes: input_size D, hidden_size H, num_layers L,
    bidirectional, output_size O (when the head is there), and whether it has biases.
    Raises DataError wt.not_rnn when the matrices are those of a gated cell (LSTM, GRU)."""
    W = state["weight_ih_l0"]
    if W.ndim != 2:
        raise DataError("wt.shape", name="weight_ih_l0", expected="(H, D)",
                        given=str(tuple(W.shape)))
    hh = state.get("weight_hh_l0")
    if hh is None or hh.ndim != 2:
        raise DataError("wt.missing", names="weight_hh_l0")
    H = hh.shape[1]
    if hh.shape[0] != H:  # (4H, H) for an LSTM, (3H, H) for a GRU
        raise DataError("wt.not_rnn", rows=hh.shape[0], cols=H)
    layers = 1 + max(int(_NAME.match(n).group(3)) for n in state if _NAME.match(n))
    sizes = dict(input_size=int(W.shape[1]), hidden_size=int(H), num_layers=int(layers),
                 bidirectional=any(n.endswith("_reverse") for n in state),
                 bias=any(n.startswith("bias_") for n in state))
    if "head.weight" in state and state["head.weight"].ndim == 2:
        sizes["output_size"] = int(state["head.weight"].shape[0])
    return sizes


def check_against(state: dict[str, np.ndarray], expected: dict[str, tuple]) -> list[tuple]:
    """Mismatches between a state dict and the parameters a configuration needs:
    (name, expected shape or None if unexpected, given shape or None if missing)."""
    problems = []
    for name, shape in expected.items():
        if name not in state:
            problems.append((name, shape, None))
        elif tuple(state[name].shape) != tuple(shape):
            problems.append((name, tuple(shape), tuple(state[name].shape)))
    for name in state:
        if name not in expected:
            problems.append((name, None, tuple(state[name].shape)))
    return problems
