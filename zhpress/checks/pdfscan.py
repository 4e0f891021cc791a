"""Read a PDF quickly, for the checks that run after every build.

Budget: the fast checks must stay well under 0.3 s in all. A Python PDF library costs most of
that to import (pypdf: 0.05-0.1 s), ``qpdf --json`` takes 0.03-0.1 s per edition and poppler's
pdftotext 0.08 s on the press edition alone. What zhpress writes is plain PDF (WeasyPrint's
pydyf: direct lengths, Flate, object streams), so this module reads it directly: every object
and decoded stream, then the text each page draws, with its position, from the content streams
and the fonts' widths and ToUnicode maps (what a reader's copy gives). About 0.02 s per
edition on the seed book.

``pdfmeasure`` (pdfplumber, character by character) stays the thorough measure for
``python build.py check``.

Why one module of about 530 lines: it is a small PDF reader (objects, streams, content
operators, fonts' widths and ToUnicode maps) with one interface, ``read_objects`` and
``drawn_text``; its parts are only ever used together.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_REF = re.compile(r"^(\d+) (\d+) R$")


class PdfSyntaxError(ValueError):
    """The file is not a PDF this reader understands."""


# --- Objects ----------------------------------------------------------------------------------

_TOKEN = re.compile(
    rb"\s*(?:%[^\r\n]*\s*)*"
    rb"(?:(?P<ref>\d+\s+\d+\s+R)(?![A-Za-z])"
    rb"|(?P<number>[-+]?(?:\d+\.?\d*|\.\d+))"
    rb"|(?P<name>/[^\s/\[\]<>(){}%]*)"
    rb"|(?P<open><<|\[)"
    rb"|(?P<close>>>|\])"
    rb"|(?P<hex><[0-9A-Fa-f\s]*>)"
    rb"|(?P<string>\()"
    rb"|(?P<word>[A-Za-z]+))"
)
_OBJ = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")


_NUMBERS = re.compile(rb"((?:\s*[-+]?(?:\d+\.?\d*|\.\d+))*)\s*\]")


def _number(text: bytes) -> int | float:
    return float(text) if b"." in text else int(text)


def _literal(data: bytes, pos: int) -> tuple[bytes, int]:
    """A (string) with nested parentheses and escapes, from just after its '('."""
    depth, out, i = 1, bytearray(), pos
    while i < len(data):
        ch = data[i]
        if ch == 0x5C:  # backslash
            out += data[i : i + 2]
            i += 2
            continue
        if ch == 0x28:
            depth += 1
        elif ch == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(ch)
        i += 1
    raise PdfSyntaxError("unterminated string")


def parse_value(data: bytes, pos: int) -> tuple[Any, int]:
    """One PDF value at ``pos``: dict, list, "/Name", "N G R", number, bytes, bool or None."""
    match = _TOKEN.match(data, pos)
    if match is None:
        raise PdfSyntaxError(f"unexpected bytes at {pos}")
    kind, end = match.lastgroup, match.end()
    text = match.group(kind)
    if kind == "ref":
        return " ".join(text.decode().split()), end
    if kind == "number":
        return _number(text), end
    if kind == "name":
        return text.decode("latin-1"), end
    if kind == "hex":
        digits = re.sub(rb"\s", b"", text[1:-1])
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()), end
    if kind == "string":
        return _literal(data, end)
    if kind == "word":
        return {b"true": True, b"false": False}.get(text), end
    if kind == "open":
        if text == b"[":
            flat = _NUMBERS.match(data, end)  # widths: thousands of numbers, parsed at once
            if flat is not None:
                return [_number(n) for n in flat.group(1).split()], flat.end()
        items: list[Any] = []
        closer = b">>" if text == b"<<" else b"]"
        while True:
            close = _TOKEN.match(data, end)
            if close is not None and close.lastgroup == "close":
                if close.group("close") != closer:
                    raise PdfSyntaxError(f"mismatched {closer!r} at {end}")
                end = close.end()
                break
            value, end = parse_value(data, end)
            items.append(value)
        if closer == b"]":
            return items, end
        return {str(items[k]): items[k + 1] for k in range(0, len(items) - 1, 2)}, end
    raise PdfSyntaxError(f"unexpected {text!r} at {pos}")


def _decode(info: dict[str, Any], raw: bytes) -> bytes:
    filters = info.get("/Filter")
    filters = filters if isinstance(filters, list) else [filters] if filters else []
    if filters == ["/FlateDecode"] and "/DecodeParms" not in info:
        return zlib.decompress(raw)
    return raw  # images (DCT) and the like: kept as they are, never looked into


@dataclass
class Objects:
    """Every object of a PDF: "N G R" -> value, streams with their decoded data."""

    raw: dict[str, Any]
    stream_data: dict[str, bytes]
    trailer: dict[str, Any]
    pages: list[str] = field(default_factory=list)
    """The page objects ("N G R") in page order."""

    @classmethod
    def parse(cls, data: bytes) -> Objects:
        """Read objects in file order (the last definition wins, as incremental updates
        want), then the objects packed in object streams."""
        if not data.startswith(b"%PDF-"):
            raise PdfSyntaxError("not a PDF file")
        raw: dict[str, Any] = {}
        streams: dict[str, bytes] = {}
        trailer: dict[str, Any] = {}
        pos = 0
        while True:
            match = _OBJ.search(data, pos)
            if match is None:
                break
            ref = f"{int(match.group(1))} {int(match.group(2))} R"
            value, end = parse_value(data, match.end())
            after = re.compile(rb"\s*stream\r?\n").match(data, end)
            if after is not None and isinstance(value, dict):
                length = value.get("/Length")
                if not isinstance(length, int):
                    stop = data.find(b"endstream", after.end())
                    length = stop - after.end()
                body = data[after.end() : after.end() + length]
                streams[ref] = _decode(value, body)
                end = after.end() + length
                if value.get("/Type") == "/XRef":
                    trailer = value
            raw[ref] = value
            pos = end
        for match in re.finditer(rb"trailer\s*(<<)", data):
            trailer = parse_value(data, match.start(1))[0]
        for ref, value in list(raw.items()):
            if isinstance(value, dict) and value.get("/Type") == "/ObjStm":
                packed = streams[ref]
                head = packed[: int(value["/First"])].split()
                for k in range(0, len(head) - 1, 2):
                    offset = int(value["/First"]) + int(head[k + 1])
                    raw.setdefault(f"{int(head[k])} 0 R", parse_value(packed, offset)[0])
        objects = cls(raw, streams, trailer)
        objects.pages = objects._page_list()
        return objects

    def _page_list(self) -> list[str]:
        root = self.get(self.trailer.get("/Root")) or {}
        pages: list[str] = []
        stack = [root.get("/Pages")]
        seen: set[str] = set()
        while stack:
            ref = stack.pop()
            if not isinstance(ref, str) or ref in seen:
                continue
            seen.add(ref)
            node = self.get(ref) or {}
            if node.get("/Type") == "/Page" or "/Kids" not in node:
                pages.append(ref)
            else:
                stack.extend(reversed(self.get(node["/Kids"]) or []))
        return pages

    def get(self, value: Any) -> Any:
        """Follow an indirect reference (a stream gives its dictionary)."""
        if isinstance(value, str) and _REF.match(value):
            return self.raw.get(value)
        return value

    def is_stream(self, ref: Any) -> bool:
        return isinstance(ref, str) and ref in self.stream_data

    def data(self, ref: str) -> bytes:
        return self.stream_data.get(ref, b"")

    def streams(self) -> list[tuple[str, dict[str, Any]]]:
        return [(ref, self.raw[ref]) for ref in self.stream_data]

    def values(self) -> list[tuple[str, Any]]:
        return [(ref, v) for ref, v in self.raw.items() if ref not in self.stream_data]

    def page(self, ref: str) -> dict[str, Any]:
        return self.get(ref) or {}

    def contents(self, page_ref: str) -> bytes:
        contents = self.page(page_ref).get("/Contents")
        refs = contents if isinstance(contents, list) else [contents] if contents else []
        return b"\n".join(self.data(r) for r in refs)


def read_objects(path: Path) -> Objects:
    return Objects.parse(path.read_bytes())


def names_in(value: Any) -> set[str]:
    """Every PDF name (/Name) in a JSON value, keys and values, recursively."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.update(k for k in item if k.startswith("/"))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and item.startswith("/"):
            found.add(item)
    return found


# --- Text as drawn (content streams) ----------------------------------------------------------

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF order: a point is transformed by m first)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


@dataclass
class Run:
    """Text drawn by one text-showing operator: where (pt, from the trim's top left) and what."""

    page: int  # 0-based
    x0: float
    x1: float
    baseline: float
    size: float
    text: str
    advances: list[float] = field(default_factory=list)
    """The font's advance of each code point of ``text`` (a glyph of several shares its own),
    in pt, without letter-spacing: how wide a word is, wherever its lines break it."""


@dataclass
class FontInfo:
    name: str
    width: int  # bytes per code: 2 for Type0 (Identity-H), 1 for simple fonts
    widths: dict[int, float]
    default_width: float
    to_unicode: dict[int, str]


@dataclass
class Drawn:
    """Everything the pages draw as text, and the glyphs that carry no text or no outline."""

    runs: list[Run] = field(default_factory=list)
    glyphs: int = 0
    notdef: dict[str, list[int]] = field(default_factory=dict)
    """font name -> pages where glyph 0 (.notdef, the missing-glyph box) is drawn."""
    unmapped: dict[str, list[int]] = field(default_factory=dict)
    """font name -> pages where a glyph has no ToUnicode entry (copy and search lose it)."""
    codes: dict[str, set[int]] = field(default_factory=dict)
    """font name -> the codes drawn with it (cidfonts checks them against the font's CIDs)."""


def _unicode_map(data: bytes) -> dict[int, str]:
    def text_of(hexed: bytes) -> str:
        raw = bytes.fromhex(re.sub(rb"\s", b"", hexed).decode())
        return raw.decode("utf-16-be", "replace")

    found: dict[int, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        pairs = re.findall(rb"<([0-9A-Fa-f\s]*)>", section)
        for i in range(0, len(pairs) - 1, 2):
            found[int(pairs[i], 16)] = text_of(pairs[i + 1])
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for match in re.finditer(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(?:<([0-9A-Fa-f\s]*)>|\[(.*?)\])",
            section,
            re.S,
        ):
            lo, hi = int(match.group(1), 16), int(match.group(2), 16)
            if match.group(3) is not None:
                base = text_of(match.group(3))
                for k, code in enumerate(range(lo, min(hi, lo + 65535) + 1)):
                    found[code] = base[:-1] + chr(ord(base[-1]) + k) if base else ""
            else:
                items = re.findall(rb"<([0-9A-Fa-f\s]*)>", match.group(4))
                for k, item in enumerate(items):
                    found[lo + k] = text_of(item)
    return found


def _widths(w: list[Any]) -> dict[int, float]:
    found: dict[int, float] = {}
    i = 0
    while i < len(w):
        first = int(w[i])
        if i + 1 < len(w) and isinstance(w[i + 1], list):
            for k, value in enumerate(w[i + 1]):
                found[first + k] = float(value)
            i += 2
        elif i + 2 < len(w):
            for code in range(first, int(w[i + 1]) + 1):
                found[code] = float(w[i + 2])
            i += 3
        else:
            break
    return found


def font_info(objects: Objects, ref: str) -> FontInfo:
    font = objects.get(ref) or {}
    name = str(font.get("/BaseFont", ref)).lstrip("/")
    to_unicode = font.get("/ToUnicode")
    mapping = _unicode_map(objects.data(to_unicode)) if objects.is_stream(to_unicode) else {}
    if font.get("/Subtype") == "/Type0":
        descendant = objects.get((objects.get(font.get("/DescendantFonts")) or [None])[0]) or {}
        widths = _widths(objects.get(descendant.get("/W")) or [])
        return FontInfo(name, 2, widths, float(descendant.get("/DW", 1000)), mapping)
    first = int(font.get("/FirstChar", 0))
    simple = {first + k: float(v) for k, v in enumerate(objects.get(font.get("/Widths")) or [])}
    return FontInfo(name, 1, simple, 0.0, mapping)


_CONTENT_TOKEN = re.compile(
    rb"\[(?P<array>(?:[^\]\\(]|\\.|\((?:[^)\\]|\\.)*\))*)\]"
    rb"|<(?P<hex>[0-9A-Fa-f\s]*)>"
    rb"|\((?P<literal>(?:[^)\\]|\\.)*)\)"
    rb"|/(?P<name>[^\s/\[\]<>()]+)"
    rb"|(?P<number>[-+]?(?:\d+\.?\d*|\.\d+))"
    rb"|(?P<op>[A-Za-z'\"*]+)"
    rb"|<<.*?>>",
    re.S,
)
_ARRAY_ITEM = re.compile(rb"<([0-9A-Fa-f\s]*)>|([-+]?(?:\d+\.?\d*|\.\d+))")


def _hex_bytes(hexed: bytes) -> bytes:
    try:
        return bytes.fromhex(hexed.decode("latin-1"))  # nearly always: no odd digit
    except ValueError:
        pass
    digits = re.sub(rb"\s", b"", hexed)
    return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())


def drawn_text(objects: Objects) -> Drawn:
    """Text runs of every page (and every form it draws), in the order they are painted.

    Enough of the PDF text model for what WeasyPrint writes (cm, q/Q, Tm, Td, Tf, Tc, TJ, Tj):
    a run's position and extent come from the font's widths, its text from the ToUnicode map,
    as a reader's copy would give it.
    """
    drawn = Drawn()
    fonts: dict[str, FontInfo] = {}

    def show(page: int, state: dict[str, Any], strings: list[tuple[bytes | None, float]]) -> None:
        info = state["font"]
        if info is None:
            return
        size = state["size"]
        tc = state["tc"]
        x = 0.0
        texts = []
        advances: list[float] = []
        # Looked up once a run, not once a glyph: a 1 MB chapter draws 700,000 glyphs a PDF.
        step, to_unicode, widths = info.width, info.to_unicode, info.widths
        default_width = info.default_width
        codes_drawn = drawn.codes.setdefault(info.name, set())
        for hexed, adjust in strings:
            if hexed is None:
                x -= adjust / 1000 * size
                continue
            count = len(hexed) // step
            if step == 2:
                codes: Any = struct.unpack(f">{count}H", hexed[: 2 * count])
            elif step == 1:
                codes = hexed
            else:
                codes = [
                    int.from_bytes(hexed[i : i + step], "big") for i in range(0, count * step, step)
                ]
            drawn.glyphs += len(codes)
            codes_drawn.update(codes)
            for code in codes:
                if code == 0 and step == 2:
                    drawn.notdef.setdefault(info.name, []).append(page)
                text = to_unicode.get(code)
                if text is None:
                    drawn.unmapped.setdefault(info.name, []).append(page)
                    text = "\ufffd"
                texts.append(text)
                advance = widths.get(code, default_width) / 1000 * size
                if len(text) == 1:
                    advances.append(advance)
                elif text:
                    advances += [advance / len(text)] * len(text)
                x += advance + tc
        m = multiply(state["tm"], state["ctm"])
        scale = (m[0] ** 2 + m[1] ** 2) ** 0.5
        x0 = m[4]
        x1 = m[0] * x + m[4]
        baseline = m[5]
        trim = state["trim"]
        drawn.runs.append(
            Run(
                page,
                min(x0, x1) - trim[0],
                max(x0, x1) - trim[0],
                trim[3] - baseline,
                size * scale,
                "".join(texts),
                [a * abs(m[0]) for a in advances],
            )
        )
        # Advance the text matrix, as the next operator on the same line continues from here.
        state["tm"] = multiply((1, 0, 0, 1, x, 0), state["tm"])

    def run(page: int, data: bytes, resources: Any, ctm: Matrix, trim: list[float], depth: int):
        resources = objects.get(resources) or {}
        font_refs = objects.get(resources.get("/Font")) or {}
        xobjects = objects.get(resources.get("/XObject")) or {}
        state: dict[str, Any] = {
            "ctm": ctm,
            "tm": IDENTITY,
            "tlm": IDENTITY,
            "font": None,
            "size": 0.0,
            "tc": 0.0,
            "trim": trim,
        }
        stack: list[Matrix] = []
        operands: list[Any] = []
        for match in _CONTENT_TOKEN.finditer(data):
            kind = match.lastgroup
            if kind == "op":
                op = match.group("op")
                if op == b"q":
                    stack.append(state["ctm"])
                elif op == b"Q" and stack:
                    state["ctm"] = stack.pop()
                elif op == b"cm" and len(operands) >= 6:
                    state["ctm"] = multiply(tuple(operands[-6:]), state["ctm"])
                elif op == b"BT":
                    state["tm"] = state["tlm"] = IDENTITY
                elif op == b"Tm" and len(operands) >= 6:
                    state["tm"] = state["tlm"] = tuple(operands[-6:])
                elif op in (b"Td", b"TD") and len(operands) >= 2:
                    state["tm"] = state["tlm"] = multiply(
                        (1, 0, 0, 1, operands[-2], operands[-1]), state["tlm"]
                    )
                elif op == b"Tc" and operands:
                    state["tc"] = operands[-1]
                elif op == b"Tf" and len(operands) >= 2 and isinstance(operands[-2], str):
                    ref = font_refs.get("/" + operands[-2])
                    if ref is not None and ref not in fonts:
                        fonts[ref] = font_info(objects, ref)
                    state["font"] = fonts.get(ref) if ref is not None else None
                    state["size"] = operands[-1]
                elif op == b"TJ" and operands and isinstance(operands[-1], list):
                    show(page, state, operands[-1])
                elif op == b"Tj" and operands and isinstance(operands[-1], bytes):
                    show(page, state, [(operands[-1], 0.0)])
                elif op == b"Do" and operands and isinstance(operands[-1], str) and depth < 8:
                    ref = xobjects.get("/" + operands[-1])
                    form = objects.get(ref) if objects.is_stream(ref) else None
                    if form and form.get("/Subtype") == "/Form":
                        matrix = tuple(form.get("/Matrix", IDENTITY))
                        inner = multiply(matrix, state["ctm"])
                        run(page, objects.data(ref), form.get("/Resources"), inner, trim, depth + 1)
                operands = []
            elif kind == "number":
                operands.append(float(match.group("number")))
            elif kind == "name":
                operands.append(match.group("name").decode("latin-1"))
            elif kind == "hex":
                operands.append(_hex_bytes(match.group("hex")))
            elif kind == "array":
                items: list[tuple[bytes | None, float]] = []
                for item in _ARRAY_ITEM.finditer(match.group("array")):
                    if item.group(1) is not None:
                        items.append((_hex_bytes(item.group(1)), 0.0))
                    else:
                        items.append((None, float(item.group(2))))
                operands.append(items)
            elif kind == "literal":
                operands.append(match.group("literal"))
            else:
                operands.append(None)

    for number, ref in enumerate(objects.pages):
        page = objects.page(ref)
        trim = page.get("/TrimBox") or page.get("/MediaBox") or [0, 0, 0, 0]
        run(number, objects.contents(ref), page.get("/Resources"), IDENTITY, trim, 0)
    return drawn


@dataclass
class Line:
    """Runs on one baseline of one page, in the order they are drawn."""

    page: int
    x0: float
    x1: float
    baseline: float
    size: float
    text: str
    advances: list[float] = field(default_factory=list)


def lines_of(runs: list[Run]) -> list[Line]:
    lines: list[Line] = []
    for r in runs:
        last = lines[-1] if lines else None
        if (
            last is not None
            and last.page == r.page
            and (abs(last.baseline - r.baseline) < 0.5 or _raised_call(last, r))
        ):
            last.x0, last.x1 = min(last.x0, r.x0), max(last.x1, r.x1)
            last.text += r.text
            last.advances += r.advances
            last.size = max(last.size, r.size)
        else:
            lines.append(Line(r.page, r.x0, r.x1, r.baseline, r.size, r.text, list(r.advances)))
    return lines


def _raised_call(line: Line, run: Run) -> bool:
    """A footnote call (①, set small and raised) is part of the line it follows."""
    return (
        run.size <= 0.7 * line.size
        and 0 < line.baseline - run.baseline < 0.6 * line.size
        and run.x0 >= line.x1 - 0.5
    )
