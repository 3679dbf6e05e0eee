"""ZIP archives of Q-sorts: a KADE project, or the files of another format zipped together (our PQMethod
and Ken-Q exports are ZIPs of a data file and its statements file).

Every ZIP is opened through :func:`open_archive`, which refuses an archive of more than
:data:`MAX_ARCHIVE_MEMBERS` files or whose files unpack to more than :data:`MAX_ARCHIVE_BYTES` together
(a "zip bomb": a few hundred KB that unpack to gigabytes). Python's zipfile never unpacks more than a
member's declared size, so checking the declared sizes bounds what is unpacked.

Example
-------
>>> import os, tempfile, zipfile
>>> path = os.path.join(tempfile.mkdtemp(), "study.zip")
>>> with zipfile.ZipFile(path, "w") as z:
...     z.writestr("study.csv", "statement,P1,P2\\ns1,-1,1\\ns2,0,0\\ns3,1,-1\\n")
>>> read_zip(path).participant_ids
['P1', 'P2']
"""
from __future__ import annotations

import os
import tempfile
import zipfile
import zlib
from pathlib import Path

from ._common import FormatError, QData

__all__ = ["open_archive", "member_bytes", "read_zip", "MAX_ARCHIVE_BYTES", "MAX_ARCHIVE_MEMBERS"]

# A KADE project with thousands of Q-sorts unpacks to a few MB; a ZIP of our exports holds two files.
MAX_ARCHIVE_BYTES = 64 * 2**20
MAX_ARCHIVE_MEMBERS = 1000
# The files of a zipped export, in the order a data file is looked for (statements files are not data).
DATA_SUFFIXES = (".dat", ".json", ".csv")
TEXT_SUFFIXES = (".dat", ".sta", ".csv", ".txt", ".json")


def open_archive(path: str | os.PathLike) -> zipfile.ZipFile:
    """Open a ZIP after checking its number of files and their unpacked size together.

    Raises
    ------
    FormatError
        not a ZIP (or a damaged one), more than MAX_ARCHIVE_MEMBERS files, more than MAX_ARCHIVE_BYTES unpacked.
    """
    file = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except OSError as error:
        raise FormatError(file, f"cannot read: {error.strerror or error}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as error:
        raise FormatError(file, f"not a ZIP archive, or a damaged one ({error})") from None
    members = archive.infolist()
    total = sum(info.file_size for info in members)
    if len(members) > MAX_ARCHIVE_MEMBERS:
        archive.close()
        raise FormatError(file, f"the archive holds {len(members)} files; an archive of Q-sorts holds at most "
                                f"{MAX_ARCHIVE_MEMBERS}")
    if total > MAX_ARCHIVE_BYTES:
        archive.close()
        raise FormatError(file, f"the files in the archive unpack to {total / 2**20:.0f} MB together; an archive "
                                f"of Q-sorts unpacks to at most {MAX_ARCHIVE_BYTES // 2**20} MB")
    return archive


def member_bytes(file: str, archive: zipfile.ZipFile, name: str) -> bytes:
    """The unpacked bytes of one file in the archive; FormatError ``archive.zip!name`` if it cannot be unpacked
    (damaged, encrypted, an unknown compression)."""
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError,
            OSError) as error:
        raise FormatError(f"{file}!{name}", f"cannot unpack this file of the archive ({error})") from None


def _data_member(members: dict[str, str]) -> str | None:
    """The base name of the data file among the archive's files (lower-case base name -> member name)."""
    for suffix in DATA_SUFFIXES:
        for base in sorted(members):
            if base.endswith(suffix) and not base[:-len(suffix)].endswith("_statements"):
                return base
    return None


def read_zip(path: str | os.PathLike, *, encoding: str | None = None) -> QData:
    """Read Q-sorts from a ZIP: a KADE project (it holds ``sorts.txt``), or a data file (``.DAT``, ``.json``,
    ``.csv``) zipped with the files beside it (``.STA``, ``_statements.txt``/``.csv``).

    Errors name the file inside the archive as ``archive.zip!member``.
    """
    from . import read_sorts
    from .kenq import read_kade_zip, zip_members

    file = str(path)
    with open_archive(path) as archive:
        members = zip_members(archive)
        if "sorts.txt" in members:
            return read_kade_zip(path, encoding=encoding)
        main = _data_member(members)
        if main is None:
            raise FormatError(file, "no sorts.txt in the archive (a KADE project ZIP holds sorts.txt, statements.txt, "
                                    "pattern.txt and name.txt) and no .DAT, .json or .csv file of Q-sorts")
        with tempfile.TemporaryDirectory(prefix="qsort-zip-") as folder:
            for base, name in members.items():
                if base.endswith(TEXT_SUFFIXES):
                    # Base names only (members.keys() hold no "/"): nothing is written outside the folder.
                    target = Path(folder) / Path(name).name
                    target.write_bytes(member_bytes(file, archive, name))
            inner = Path(folder) / Path(members[main]).name
            try:
                return read_sorts(inner, encoding=encoding)
            except FormatError as error:
                shown = error.file.replace(folder + os.sep, f"{file}!")
                raise FormatError(shown, error.message, error.line, error.field) from None
