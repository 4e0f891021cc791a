"""Do the CID-keyed CFF fonts of a PDF draw, for each code, the glyph the code names?

A Type0 font whose descendant is a CIDFontType0 (CFF outlines) maps a code to a CID through
its CMap (Identity-H: the CID is the code) and the CID to a glyph through the CFF font's
*charset* (ISO 32000 §9.7.4.2). WeasyPrint writes glyph positions as codes, so the charset
must say that glyph *i* has CID *i* at least for every code drawn. A subset that keeps the
original font's CIDs (glyph 2 is ``cid01397``) renders in poppler and PDFium, which fall back
on glyph positions, and comes out nearly blank in Ghostscript, MuPDF and a print shop's RIP.

This runs with the fast checks after every build, so it reads the embedded font directly:
the OpenType table directory, the CFF header, three INDEXes, the Top DICT and the charset,
about a millisecond per face. (Importing fontTools' CFF reader alone costs 0.1-0.15 s, half
the fast checks' budget; the tests hold this reader against fontTools.)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .pdfscan import Objects


class CffError(ValueError):
    """The embedded font is not CFF this reader understands."""


@dataclass(frozen=True)
class CffCharset:
    """What a CFF font's charset says: the name-keyed fonts have no CIDs to check."""

    cid_keyed: bool
    cids: list[int]
    """For a CID-keyed font, the CID of each glyph by position (glyph 0 is CID 0)."""


def cff_table(data: bytes) -> bytes:
    """The bare CFF of an embedded font: FontFile3 /OpenType (an OTF) or /CIDFontType0C."""
    if data[:4] != b"OTTO":
        return data
    (count,) = struct.unpack_from(">H", data, 4)
    for k in range(count):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * k)
        if tag == b"CFF ":
            return data[offset : offset + length]
    raise CffError("the OpenType font has no CFF table")


def _index(data: bytes, pos: int) -> tuple[list[bytes], int]:
    """A CFF INDEX at ``pos``: its items and the position just after it."""
    (count,) = struct.unpack_from(">H", data, pos)
    if count == 0:
        return [], pos + 2
    size = data[pos + 2]
    start = pos + 3
    offsets = [
        int.from_bytes(data[start + i * size : start + (i + 1) * size], "big")
        for i in range(count + 1)
    ]
    base = start + (count + 1) * size - 1  # offsets count from 1
    items = [data[base + offsets[i] : base + offsets[i + 1]] for i in range(count)]
    return items, base + offsets[-1]


def _dict(data: bytes) -> dict[int, list[float]]:
    """A CFF DICT: operator (12 x is 1200 + x) -> operands."""
    found: dict[int, list[float]] = {}
    operands: list[float] = []
    i = 0
    while i < len(data):
        b0 = data[i]
        if b0 <= 21:
            op = b0
            if b0 == 12:
                op = 1200 + data[i + 1]
                i += 1
            found[op] = operands
            operands = []
            i += 1
        elif b0 == 28:
            operands.append(struct.unpack_from(">h", data, i + 1)[0])
            i += 3
        elif b0 == 29:
            operands.append(struct.unpack_from(">i", data, i + 1)[0])
            i += 5
        elif b0 == 30:  # a real: nibbles up to 0xf; its value is never needed here
            i += 1
            while i < len(data) and (data[i] & 0x0F) != 0x0F and (data[i] >> 4) != 0x0F:
                i += 1
            operands.append(0.0)
            i += 1
        elif 32 <= b0 <= 246:
            operands.append(b0 - 139)
            i += 1
        elif 247 <= b0 <= 250:
            operands.append((b0 - 247) * 256 + data[i + 1] + 108)
            i += 2
        elif 251 <= b0 <= 254:
            operands.append(-(b0 - 251) * 256 - data[i + 1] - 108)
            i += 2
        else:
            raise CffError(f"bad DICT byte {b0}")
    return found


ROS = 1230
CHARSET = 15
CHARSTRINGS = 17


def read_charset(cff: bytes) -> CffCharset:
    """The charset of the first font of a CFF (a PDF embeds one font per FontFile3)."""
    try:
        header_size = cff[2]
        _names, pos = _index(cff, header_size)
        tops, pos = _index(cff, pos)
        top = _dict(tops[0])
        if ROS not in top:
            return CffCharset(False, [])
        glyphs = len(_index(cff, int(top[CHARSTRINGS][0]))[0])
        offset = int(top.get(CHARSET, [0])[0])
        return CffCharset(True, _charset(cff, offset, glyphs))
    except (IndexError, KeyError, struct.error) as exc:
        raise CffError(f"cannot read the CFF: {exc!r}") from None


def _charset(cff: bytes, offset: int, glyphs: int) -> list[int]:
    if offset <= 2:  # a predefined charset: only for name-keyed fonts
        raise CffError("a CID-keyed font with a predefined charset")
    cids = [0]
    form = cff[offset]
    pos = offset + 1
    if form == 0:
        cids += struct.unpack_from(f">{glyphs - 1}H", cff, pos)
    elif form in (1, 2):
        left = ">HB" if form == 1 else ">HH"
        step = struct.calcsize(left)
        while len(cids) < glyphs:
            first, more = struct.unpack_from(left, cff, pos)
            cids += range(first, first + more + 1)
            pos += step
        del cids[glyphs:]
    else:
        raise CffError(f"unknown charset format {form}")
    return cids


@dataclass(frozen=True)
class FontReport:
    name: str
    codes: int
    wrong: list[tuple[int, int | None]]
    """(code, CID of the glyph at that position, or None when there is no such glyph)."""


def cid_fonts(objects: Objects) -> dict[str, tuple[str, bytes]]:
    """Type0 fonts with a CFF descendant: font ref -> (BaseFont, FontFile3 data)."""
    found = {}
    for ref, font in objects.values():
        if not isinstance(font, dict) or font.get("/Subtype") != "/Type0":
            continue
        descendant = objects.get((objects.get(font.get("/DescendantFonts")) or [None])[0]) or {}
        if descendant.get("/Subtype") != "/CIDFontType0":
            continue
        descriptor = objects.get(descendant.get("/FontDescriptor")) or {}
        stream = descriptor.get("/FontFile3")
        name = str(font.get("/BaseFont", ref)).lstrip("/")
        found[ref] = (name, objects.data(stream) if objects.is_stream(stream) else b"")
    return found


def check_fonts(objects: Objects, codes: dict[str, set[int]]) -> list[FontReport]:
    """For every CIDFontType0 of the PDF, the codes drawn (``codes``: BaseFont -> codes, as
    pdfscan's ``Drawn.codes``) whose glyph does not carry that code as its CID."""
    reports = []
    for name, data in sorted(cid_fonts(objects).values()):
        if not data:
            raise CffError(f"{name} has no FontFile3")
        charset = read_charset(cff_table(data))
        used = codes.get(name, set())
        wrong: list[tuple[int, int | None]] = []
        if charset.cid_keyed:
            cids = charset.cids
            wrong = [
                (code, cids[code] if code < len(cids) else None)
                for code in sorted(used)
                if code >= len(cids) or cids[code] != code
            ]
        reports.append(FontReport(name, len(used), wrong))
    return reports


def describe(report: FontReport) -> str:
    """What is wrong with one face, in the words of the check table."""
    code, cid = report.wrong[0]
    example = (
        f"code {code} is glyph {code}, whose CID is {cid}"
        if cid is not None
        else (f"code {code} has no glyph")
    )
    return (
        f"{report.name}: {len(report.wrong)} of {report.codes} codes drawn are not the CID of "
        f"their glyph ({example}); Ghostscript, MuPDF and print RIPs draw other glyphs or none "
        "(the subset's CFF charset must be identity)"
    )
