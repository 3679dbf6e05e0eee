"""ZIP archives of Q-sorts: a KADE project, or the files of another format zipped together (our PQMethod
and Ken-Q exports are ZIPs of a data file and its statements file).

Every ZIP is opened through :func:`open_archive`, which refuses an archive of more than
:data:`MAX_ARCHIVE_MEMBERS` files or whose files unpack to more than :data:`MAX_ARCHIVE_BYTES` together
(a "zip bomb": a few hundred KB that unpack to gigabytes). Python's zipfile never unpacks more than a
member's declared size, so checking the declared sizes bounds what is unpacked. A ZIP is read from a path,
its bytes or a binary file object, and its files are read in memory: nothing is written to disk.

Example
-------
>>> import io, zipfile
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w") as z:
...     z.writestr("study.csv", "statement,P1,P2\\ns1,-1,1\\ns2,0,0\\ns3,1,-1\\n")
>>> read_zip(buffer.getvalue(), name="study.zip").participant_ids
['P1', 'P2']
"""
from __future__ import annotations

import io
import zipfile
import zlib

from ._common import FormatError, QData
from .source import SourceLike, as_source, is_path, source_among

__all__ = ["open_archive", "member_bytes", "read_zip", "MAX_ARCHIVE_BYTES", "MAX_ARCHIVE_MEMBERS"]

# A KADE project with thousands of Q-sorts unpacks to a few MB; a ZIP of our exports holds two files.
MAX_ARCHIVE_BYTES = 64 * 2**20
MAX_ARCHIVE_MEMBERS = 1000
# The files of a zipped export, in the order a data file is looked for (statements files are not data).
DATA_SUFFIXES = (".dat", ".json", ".csv")
TEXT_SUFFIXES = (".dat", ".sta", ".csv", ".txt", ".json")


def open_archive(source: SourceLike, name: str | None = None) -> zipfile.ZipFile:
    """Open a ZIP after checking its number of files and their unpacked size together.

    Parameters
    ----------
    source : path, bytes or binary file object (:func:`analysis.formats.source.as_source`)
    name : the name errors show (default: the path or the file object's name)

    Raises
    ------
    FormatError
        not a ZIP (or a damaged one), more than MAX_ARCHIVE_MEMBERS files, more than MAX_ARCHIVE_BYTES unpacked.
    """
    if is_path(source):     # zipfile reads a file on disk member by member: no need to hold it all
        file, opened = name or str(source), source
    else:
        held = as_source(source, name)
        file, opened = held.name, io.BytesIO(held.data)
    try:
        archive = zipfile.ZipFile(opened)
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


def read_zip(source: SourceLike, *, encoding: str | None = None, name: str | None = None) -> QData:
    """Read Q-sorts from a ZIP: a KADE project (it holds ``sorts.txt``), or a data file (``.DAT``, ``.json``,
    ``.csv``) zipped with the files beside it (``.STA``, ``_statements.txt``/``.csv``).

    ``source``: a path, bytes or a binary file object; ``name``: the name errors show. The archive's files are
    unpacked in memory; errors name the file inside the archive as ``archive.zip!member``.
    """
    from . import read_sorts
    from .kenq import read_kade_zip, zip_members

    source = as_source(source, name)
    file = source.name
    with open_archive(source) as archive:
        members = zip_members(archive)
        if "sorts.txt" in members:
            return read_kade_zip(source, encoding=encoding)
        main = _data_member(members)
        if main is None:
            raise FormatError(file, "no sorts.txt in the archive (a KADE project ZIP holds sorts.txt, statements.txt, "
                                    "pattern.txt and name.txt) and no .DAT, .json or .csv file of Q-sorts")
        files = {member: member_bytes(file, archive, member) for base, member in members.items()
                 if base.endswith(TEXT_SUFFIXES)}
    return read_sorts(source_among(files, members[main], prefix=f"{file}!"), encoding=encoding)
