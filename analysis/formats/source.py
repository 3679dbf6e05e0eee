"""Where a reader's bytes come from: a path, bytes, or a binary file object, normalised to one :class:`Source`.

Every reader in :mod:`analysis.formats` takes any of these, so a web upload or a file inside a ZIP is read from
memory, never through a temporary folder. A source keeps the name its errors show (the path, the upload's file
name, ``archive.zip!member``) and knows how to find the files beside it (a ``.DAT``'s ``.STA``, a CSV's
``_statements`` file): in the same folder for a path, among the same files for a file held in memory
(:func:`source_among`), nowhere for lone bytes (give ``statements=`` then).

Example
-------
>>> src = as_source(b"statement,P1\\ns1,0\\n", name="upload.csv")
>>> src.name, src.suffix, src.text()[:9]
('upload.csv', '.csv', 'statement')
>>> among = source_among({"LIPSET.DAT": b"...", "lipset.sta": b"First\\n"}, "LIPSET.DAT", prefix="up.zip!")
>>> among.name, among.beside("LIPSET.STA").name
('up.zip!LIPSET.DAT', 'up.zip!lipset.sta')
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Union

from ._common import FormatError

__all__ = ["Source", "SourceLike", "as_source", "source_among", "write_target", "target_path", "is_path"]

# What every reader accepts: a path, the file's bytes, a binary file object (open(..., "rb"), io.BytesIO, a
# web framework's upload), or a Source already made.
SourceLike = Union[str, os.PathLike, bytes, bytearray, memoryview, IO[bytes], "Source"]
NAMELESS = "<bytes>"


@dataclass(frozen=True)
class Source:
    """A file's bytes with the name its errors show and a way to find the files beside it.

    Attributes
    ----------
    name : str
        Shown in every FormatError (``"LIPSET.DAT"``, ``"/data/LIPSET.DAT"``, ``"upload.zip!LIPSET.DAT"``).
    data : bytes
        The whole file.
    path : Path or None
        The file on disk, when it was read from one.
    """

    name: str
    data: bytes
    path: Path | None = None
    _find: Callable[[str], "Source | None"] | None = field(default=None, repr=False, compare=False)

    @property
    def suffix(self) -> str:
        """The lower-case extension of the name (``".dat"``), ``""`` when it has none."""
        return Path(self.name.rsplit("!", 1)[-1]).suffix.lower()

    @property
    def stem(self) -> str:
        """The name without folder and extension (``"LIPSET"``)."""
        return Path(self.name.rsplit("!", 1)[-1]).stem

    def beside(self, *names: str) -> Source | None:
        """The first of these files that sits beside this one (same folder, same archive or upload), or None."""
        if self._find is None:
            return None
        for name in names:
            found = self._find(name)
            if found is not None:
                return found
        return None

    def text(self, encoding: str | None = None) -> str:
        """The bytes decoded (:func:`analysis.formats.encoding.decode`: UTF-8, detected, or ``encoding``)."""
        from .encoding import decode

        return decode(self.name, self.data, encoding)


def is_path(value) -> bool:
    """Whether ``value`` names a file on disk (a str or os.PathLike), rather than holding its bytes."""
    return isinstance(value, (str, os.PathLike))


def _from_path(path: str | os.PathLike) -> Source:
    file = str(path)
    try:
        with open(file, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise FormatError(file, "no such file") from None
    except IsADirectoryError:
        raise FormatError(file, "is a folder, not a file") from None
    except OSError as error:
        raise FormatError(file, f"cannot read: {error.strerror or error}") from None
    folder = Path(file).parent

    def find(name: str) -> Source | None:
        candidate = folder / name
        return _from_path(candidate) if candidate.is_file() else None

    return Source(file, data, Path(file), find)


def _name_of(handle) -> str | None:
    """The file name a file object carries: an upload's ``filename``, an open file's ``name``."""
    for attribute in ("filename", "name"):
        value = getattr(handle, attribute, None)
        if isinstance(value, str) and value:
            return value
    return None


def as_source(source: SourceLike, name: str | None = None) -> Source:
    """One :class:`Source` from a path, bytes or a binary file object.

    Parameters
    ----------
    source : str, os.PathLike, bytes, bytearray, memoryview, binary file object or Source
        A file object is read from its current position to its end.
    name : str, optional
        The name errors show and formats are detected by (its extension); default: the path, the file
        object's ``filename`` or ``name``, else ``"<bytes>"``.

    Raises
    ------
    FormatError
        a path that does not exist, is a folder, or cannot be read.
    TypeError
        a text-mode file object or anything else that holds no bytes.
    """
    if isinstance(source, Source):
        return source if name is None else Source(name, source.data, source.path, source._find)
    if is_path(source):
        found = _from_path(source)
        return found if name is None else Source(name, found.data, found.path, found._find)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Source(name or NAMELESS, bytes(source))
    read = getattr(source, "read", None)
    if read is None:
        raise TypeError(f"expected a path, bytes or a binary file object, got {type(source).__name__}")
    data = read()
    if isinstance(data, str):
        raise TypeError("the file object is open in text mode: open it with 'rb'")
    # A file object's name is not looked up on disk: an upload's bare file name must never reach a server file.
    return Source(name or _name_of(source) or NAMELESS, bytes(data))


def source_among(files: Mapping[str, bytes], name: str, *, prefix: str = "") -> Source:
    """A file among several held in memory (an upload of a .DAT with its .STA, the files of a ZIP).

    ``files`` maps file names to bytes; the files beside ``name`` are looked up in it by name, without case
    (as PQMethod's ``.STA`` may be ``.sta``). ``prefix`` goes before every name shown (``"upload.zip!"``).
    """
    by_lower = {key.rsplit("/", 1)[-1].lower(): key for key in files}

    def find(other: str) -> Source | None:
        key = by_lower.get(other.lower())
        return None if key is None else make(key)

    def make(key: str) -> Source:
        return Source(prefix + key.rsplit("/", 1)[-1], bytes(files[key]), None, find)

    if name not in files:
        raise KeyError(name)
    return make(name)


def target_path(target) -> Path:
    """The path of a write target, or for a file object the name it carries (``Path("study")`` without one):
    writers take default titles and the names of side files from it."""
    if is_path(target):
        return Path(target)
    name = getattr(target, "name", None)
    return Path(name) if isinstance(name, str) and name else Path("study")


def write_target(target, content: bytes) -> Path | None:
    """Write ``content`` to a path (returned) or a binary file object (None returned)."""
    if is_path(target):
        path = Path(target)
        path.write_bytes(content)
        return path
    if not hasattr(target, "write"):
        raise TypeError(f"expected a path or a binary file object to write to, got {type(target).__name__}")
    target.write(content)
    return None
