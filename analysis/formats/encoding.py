"""The text encoding of a file from another program: UTF-8, or what else it is, or a clear refusal.

Q-sort and statement files come from Excel, PQMethod, KADE and web tools on Windows, macOS and Linux in
many languages. :func:`decode` takes, in this order:

1. the encoding the caller names (``qsort analyze --encoding NAME``; ``read_sorts(..., encoding=NAME)``);
2. UTF-8, with or without a BOM, and UTF-16 with a BOM (Excel's "Unicode text") or without one;
3. Windows-1252, when the text reads as plausible Western European text in it (old PQMethod and Excel
   files in English, Dutch, Norwegian, German, French, ...): every character outside ASCII is a Western
   letter or common punctuation, and such letters are a minority of all letters;
4. the encoding charset-normalizer detects (Shift-JIS, EUC-JP, GBK, Big5, EUC-KR, Windows-1250/1251/1253,
   ...), when no other candidate reads the bytes about as well but differently;
5. otherwise a :class:`FormatError` that says which encodings it could be and how to name one.

It never decodes "with replacement characters": a file is read as it was written, or refused.

Example
-------
>>> decode("s.txt", "Prijs en kwaliteit\\n".encode("utf-8"))
'Prijs en kwaliteit\\n'
>>> decode("s.txt", "Blåbær og søt saft\\n".encode("cp1252"))
'Blåbær og søt saft\\n'
>>> decode("s.txt", "顧客は価格を最も重視する\\n納期の確実さが大切です\\n".encode("shift_jis"))
'顧客は価格を最も重視する\\n納期の確実さが大切です\\n'
"""
from __future__ import annotations

import codecs
import unicodedata

from ._common import FormatError

__all__ = ["decode", "check_encoding", "CANDIDATE_ENCODINGS"]

# What detection chooses among: the encodings Q studies' files come in (Windows code pages of Europe, and
# the East Asian multi-byte ones). Anything rarer must be named.
CANDIDATE_ENCODINGS = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257",
                       "cp932", "euc_jp", "gb18030", "big5", "cp949")
# Characters outside ASCII that Western European text in Windows-1252 holds besides letters.
WESTERN_PUNCTUATION = set("–—‘’‚“”„…«»•·€£¥¢°§©®™×±¡¿½¼¾²³µ\u00a0")
# Windows-1252 letters that Western text rarely uses but Turkish or Greek bytes read as (ğ->ð, ş->þ, ı->ý).
UNLIKELY_WESTERN_LETTERS = set("ÐðÞþÝý")
# Two detected encodings whose "chaos" (charset-normalizer's measure of how garbled a reading looks)
# differs by less than this read the file equally well.
CHAOS_TIE = 0.02
ASK_FOR_ENCODING = "save the file as UTF-8, or name its encoding (qsort analyze --encoding NAME)"


def check_encoding(name: str) -> str:
    """The codec name Python uses for ``name``; ValueError for an encoding Python does not know."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unknown encoding {name!r} (e.g. utf-8, cp1252, shift_jis, gb18030)") from None


def decode(file: str, raw: bytes, encoding: str | None = None) -> str:
    """The text of ``raw`` (the bytes of ``file``), decoded as described in the module docstring."""
    if encoding is not None:
        return _decode_as(file, raw, encoding)
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return _decode_as(file, raw, codec)
    utf16 = _utf16_without_bom(raw)
    if utf16 is not None:
        return utf16
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    western = _strict(raw, "cp1252")
    if western is not None and _reads_as_western(western):
        return western
    return _detected(file, raw)


def _decode_as(file: str, raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except LookupError:
        raise FormatError(file, f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        byte = raw[error.start:error.start + 1].hex()
        raise FormatError(file, f"byte 0x{byte} is not {encoding} text; {ASK_FOR_ENCODING}",
                          line, f"byte {column}") from None


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 text without a BOM: mostly ASCII, so every other byte is NUL (which UTF-8 would accept)."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    for codec, zeros in (("utf-16-le", raw[1::2]), ("utf-16-be", raw[0::2])):
        if zeros.count(0) * 4 >= len(raw) * 3 // 2:          # at least 3 in 4 of those bytes are NUL
            return _strict(raw, codec)
    return None


def _strict(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def _reads_as_western(text: str) -> bool:
    """Whether ``text`` (read as Windows-1252) looks like Western European text rather than other bytes
    misread: no control characters, accented letters from the Latin script and a minority among letters,
    no symbols beyond common punctuation."""
    letters = foreign = 0
    for char in text:
        if char.isascii():
            letters += char.isalpha()
            continue
        if char.isalpha():
            if char in UNLIKELY_WESTERN_LETTERS or not unicodedata.name(char, "").startswith("LATIN"):
                return False
            letters += 1
            foreign += 1
        elif char not in WESTERN_PUNCTUATION:
            return False
    return foreign * 2 <= letters


def _detected(file: str, raw: bytes) -> str:
    """The reading charset-normalizer finds best, unless another reads the bytes as well but differently."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(raw, cp_isolation=list(CANDIDATE_ENCODINGS)))
    if not matches:
        raise FormatError(file, f"the text is not UTF-8 and not in any encoding we can recognise; {ASK_FOR_ENCODING}")
    best, text = matches[0], str(matches[0])
    rivals = [m.encoding for m in matches[1:] if m.chaos - best.chaos < CHAOS_TIE and str(m) != text]
    if rivals:
        options = ", ".join([best.encoding, *rivals])
        raise FormatError(file, f"the text is not UTF-8 and could be in any of these encodings: {options}; "
                                f"{ASK_FOR_ENCODING}")
    return text
