"""Reading an .npz archive of parameters (what `nn.save` writes) without trusting it.

An .npz file is a zip archive with one .npy file per array. `headers` reads only the
zip's directory and the few bytes of each .npy header it is asked for (name, shape,
dtype), so that `nn.load` can check them against a model before any array is
decompressed: a 2 MB file declaring a 2 GiB entry costs nothing to refuse. `arrays`
then reads the arrays, each exactly as large as its header says (no pickles). Every
error is a ValueError naming the file and the entry.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_NPY_MAGIC = b"\x93NUMPY"
_MAX_HEADER = 10_000  # numpy's own limit for a header it parses


@dataclass(frozen=True)
class Header:
    """One .npy entry's header: what it declares it holds."""

    name: str  # the parameter name: the entry's file name without ".npy"
    shape: tuple[int, ...]
    dtype: np.dtype
    info: zipfile.ZipInfo


def entries(path: Path) -> dict[str, zipfile.ZipInfo]:
    """name -> zip entry for every .npy array in the archive, from the zip's directory
    alone. Raises FileNotFoundError for a missing file, ValueError for anything that is
    not an .npz archive (an .npy file, an empty or text file, a broken zip) or holds
    entries that are not .npy arrays, repeated names or encrypted entries."""
    if not path.exists():
        raise FileNotFoundError(f"nn.load: no such file: {path}")
    if path.is_dir():
        raise IsADirectoryError(f"nn.load: {path} is a directory, not an .npz file")
    with open(path, "rb") as file:
        start = file.read(8)
    if not start:
        raise ValueError(f"nn.load: {path} is empty (0 bytes), not an .npz archive")
    if start.startswith(_NPY_MAGIC):
        raise ValueError(f"nn.load: {path} holds a single .npy array, not an .npz archive of "
                         "named parameters (nn.save writes one; np.save does not)")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"nn.load: {path} is not an .npz archive (a zip of .npy arrays); it "
                         f"starts with {start!r}")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ValueError(f"nn.load: {path} is not a readable .npz archive: {error}") from None
    found: dict[str, zipfile.ZipInfo] = {}
    problems = []
    for info in infos:
        if info.is_dir():
            continue
        if not info.filename.endswith(".npy"):
            problems.append(f"entry {info.filename!r} is not an .npy array")
        elif info.flag_bits & 0x1:
            problems.append(f"entry {info.filename!r} is encrypted")
        elif info.filename[:-4] in found:
            problems.append(f"entry {info.filename!r} appears more than once")
        else:
            found[info.filename[:-4]] = info
    if problems:
        raise ValueError(f"nn.load: {path}: " + "; ".join(problems) + " (nothing was loaded)")
    return found


def headers(path: Path, infos: dict[str, zipfile.ZipInfo]) -> dict[str, Header]:
    """The .npy headers of the given entries, reading a few hundred bytes of each; raises
    ValueError naming the file and each entry whose header is broken, declares objects
    (pickles), or disagrees with the entry's size in the zip's directory."""
    out, problems = {}, []
    with zipfile.ZipFile(path) as archive:
        for name, info in infos.items():
            try:
                with archive.open(info) as file:
                    shape, dtype, offset = _read_header(file)
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
                problems.append(f"entry {name!r} is not a valid .npy array ({error})")
                continue
            if dtype.hasobject:
                problems.append(f"entry {name!r} holds Python objects (dtype {dtype}), which "
                                "nn.load never unpickles; expected real numbers")
                continue
            size = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if info.file_size != size:
                problems.append(f"entry {name!r} declares shape {shape} of {dtype} ({size} "
                                f"bytes with its header), but is {info.file_size} bytes long")
                continue
            out[name] = Header(name, shape, dtype, info)
    if problems:
        raise ValueError(f"nn.load: {path}: " + "; ".join(problems) + " (nothing was loaded)")
    return out


def arrays(path: Path, wanted: list[Header]) -> dict[str, np.ndarray]:
    """The arrays of the checked headers, each read to exactly its declared size."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for header in wanted:
            try:
                with archive.open(header.info) as file:
                    out[header.name] = np.lib.format.read_array(
                        file, allow_pickle=False, max_header_size=_MAX_HEADER)
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
                raise ValueError(f"nn.load: {path}: entry {header.name!r} could not be read "
                                 f"({error}); nothing was loaded") from None
    return out


def _read_header(file: object) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, bytes before the data) of an .npy stream positioned at its start."""
    version = np.lib.format.read_magic(file)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(file, max_header_size=_MAX_HEADER)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(file, max_header_size=_MAX_HEADER)
    else:
        raise ValueError(f".npy format version {version[0]}.{version[1]} is not supported")
    return tuple(int(n) for n in shape), np.dtype(dtype), file.tell()
