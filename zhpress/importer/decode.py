"""Turn the bytes of an OCR page into text, saying which encoding and line ends were found.

Editors receive pages from several OCR engines; what we have seen in practice is UTF-8 (with
or without a byte-order mark), GB18030/GBK and UTF-16 with a BOM, with LF, CRLF or CR line
ends. Detection is deliberately narrow: a file that is none of these is an error naming the
byte offset, never a silent replacement character that would later pass for text.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError

# A newspaper page is about 15 KB of text; anything a hundred times larger is not one page,
# and refusing it early keeps the importer's memory and time bounded.
MAX_BYTES = 2 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE with BOM"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE with BOM"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE with BOM"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE with BOM"),
)


@dataclass(frozen=True)
class Decoded:
    text: str
    """The text with every line end turned into LF and the BOM removed."""
    encoding: str
    """Human-readable name of the detected encoding, for the report."""
    newline: str
    """'LF', 'CRLF', 'CR', 'mixed' or 'none'."""
    size: int


def _newline_kind(text: str) -> str:
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    kinds = [name for name, n in (("CRLF", crlf), ("CR", cr), ("LF", lf)) if n]
    if not kinds:
        return "none"
    return kinds[0] if len(kinds) == 1 else "mixed"


def _check_controls(text: str, data: bytes, encoding: str, path: Path) -> None:
    """Control characters other than line ends and tabs mean binary data, not a page."""
    for index, ch in enumerate(text):
        if ch in "\n\r\t\f":
            continue
        if unicodedata.category(ch) == "Cc":
            offset = len(text[:index].encode(encoding)) if encoding else index
            line = text.count("\n", 0, index) + 1
            raise SourceError(
                f"binary data, not text: control character U+{ord(ch):04X} at byte {offset}",
                path=path,
                line=line,
                hint="the importer reads plain text files from OCR",
            )


def _plausible_gb(text: str) -> bool:
    """GB18030 decodes almost any byte string; accept it only if the result reads as Chinese.

    Latin-1 or Windows-1252 bytes (``Grüße``) pair up into valid but rare GB18030 characters.
    A real page's non-ASCII characters are overwhelmingly in GB2312 (the 6763 common Han
    characters and the Chinese punctuation), so at least 90% of them must be.
    """
    wide = [ch for ch in text if not ch.isascii()]
    if not wide:
        return True
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.9 * len(wide)


def _plausible_big5(text: str) -> bool:
    """Big5 (Taiwan and Hong Kong pages) read as Chinese: at least 90% of the non-ASCII
    characters, taken to Simplified, are common GB2312 characters. Bytes of another encoding
    decode to rare or private-use characters instead."""
    from .variant import to_simplified

    return _plausible_gb(to_simplified(text))


def decode_bytes(data: bytes, path: Path | str = "<input>") -> Decoded:
    path = Path(path)
    size = len(data)
    if not data.strip():
        raise SourceError("the file is empty", path=path, hint="export the OCR text again")
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                text = body.decode(codec)
            except UnicodeDecodeError as exc:
                raise SourceError(
                    f"starts with a {name} byte-order mark but is not valid {name.split()[0]} "
                    f"(byte {exc.start + len(bom)})",
                    path=path,
                ) from None
            return _finish(text, body, codec, name, size, path)
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise SourceError(
            f"binary data, not text: NUL byte at byte {offset}",
            path=path,
            line=data[:offset].count(b"\n") + 1,
            hint="UTF-16 files need a byte-order mark; binary files cannot be imported",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as gb_error:
            raise SourceError(
                f"not UTF-8 (invalid byte at byte {utf8_error.start}) and not GB18030 "
                f"(invalid byte at byte {gb_error.start})",
                path=path,
                line=data[: utf8_error.start].count(b"\n") + 1,
                hint="save the OCR text as UTF-8",
            ) from None
        if not _plausible_gb(text):
            try:
                big5 = data.decode("cp950")
            except UnicodeDecodeError:
                big5 = ""
            if big5 and _plausible_big5(big5):
                return _finish(big5, data, "cp950", "Big5", size, path)
            raise SourceError(
                f"not UTF-8 (invalid byte at byte {utf8_error.start}), and as GB18030 it does "
                "not read as Chinese text",
                path=path,
                line=data[: utf8_error.start].count(b"\n") + 1,
                hint="save the OCR text as UTF-8",
            ) from None
        try:
            data.decode("gbk")
            name = "GB18030 (GBK subset)"
        except UnicodeDecodeError:
            name = "GB18030"
        return _finish(text, data, "gb18030", name, size, path)
    return _finish(text, data, "utf-8", "UTF-8", size, path)


def _finish(text: str, body: bytes, codec: str, name: str, size: int, path: Path) -> Decoded:
    _check_controls(text, body, codec, path)
    newline = _newline_kind(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SourceError("the file is empty (only white space)", path=path)
    return Decoded(text=text, encoding=name, newline=newline, size=size)


def read_source(path: Path) -> Decoded:
    """Read and decode ``path``; a missing, huge or undecodable file is a SourceError."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror}", path=path) from None
    if not path.is_file():
        raise SourceError("not a regular file", path=path)
    if size > MAX_BYTES:
        raise SourceError(
            f"the file is {size / 1048576:.1f} MB; one OCR page is far smaller "
            f"(the limit is {MAX_BYTES // 1048576} MB)",
            path=path,
            hint="import one page at a time",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read the file: {exc.strerror}", path=path) from None
    return decode_bytes(data, path)
