"""The text reaches every edition: every character of the manuscript, in order, none added.

The manuscript's visible text (Markdown markup removed) is cut into units an edition must show
contiguously (a chapter: its title, byline and paragraphs) and looked for in the text each
edition shows: the PDFs' text as drawn inside the text block (running heads and folios are
outside it), the EPUB's documents in spine order. Layout is not text: whitespace and the
invisible format characters are left out on both sides, and what the editions add (labels,
contents, colophon) lies between the units. The first difference is reported with its
chapter, line and character, and the same located paragraphs give the line geometry the fast
typography check needs (``lines``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..manuscript.model import Book
from .pdfscan import Drawn, Line, lines_of


@dataclass(frozen=True)
class Segment:
    """A piece of the manuscript's visible text, whitespace removed, and where it comes from."""

    text: str
    where: str  # "01-a.md:8"
    what: str  # "paragraph", "title", ...
    spaced: str = ""
    """The same text with its whitespace, to tell a Western word break from a space."""


@dataclass(frozen=True)
class Unit:
    """Segments that every edition shows contiguously, in this order (a chapter: title,
    byline, paragraphs). ``anywhere``: may appear at any place (the headline, the kicker)."""

    name: str
    segments: tuple[Segment, ...]
    anywhere: bool = False

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


# Whitespace, and the default-ignorable code points (Unicode's Default_Ignorable_Code_Point:
# zero-width space and joiners, BOM, soft hyphen, bidi marks, variation selectors...). They
# are layout, not text: HarfBuzz draws no glyph for them, so no PDF's text layer has them.
_LAYOUT = re.compile(
    "[\\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]+"
)


def squeeze(text: str) -> str:
    """Text without layout whitespace and invisible format characters: what the
    text check compares."""
    return _LAYOUT.sub("", text)


def _line_of(path: Path, key: str, front_matter: bool) -> int | None:
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    start = 1 if front_matter else 0
    for number, line in enumerate(lines[start:], start + 1):
        if front_matter and line.strip() == "---":
            return None
        if re.match(rf"{re.escape(key)}\s*:", line):
            return number
    return None


def _where(path: Path, line: int | None) -> str:
    return f"{path.name}:{line}" if line else path.name


def manuscript_units(book: Book) -> list[Unit]:
    """The manuscript as the editions must show it: visible text (Markdown markup removed)."""
    from ..manuscript.markdown import visible_text

    units = []
    yaml = book.yaml_path
    for key, value in (
        ("kicker", book.kicker),
        ("title", book.title),
        ("series", book.series),
        ("moderator", book.moderator),
    ):
        if value and squeeze(value):
            where = _where(yaml, _line_of(yaml, key, False))
            units.append(Unit(key, (Segment(squeeze(value), where, key, value),), anywhere=True))
    lede = tuple(
        Segment(squeeze(t), _where(yaml, b.line), "standfirst paragraph", t)
        for b in book.lede
        if squeeze(t := visible_text(b.text))
    )
    if lede:
        units.append(Unit("standfirst", lede))
    for chapter in book.chapters:
        segments = [
            Segment(
                squeeze(chapter.title),
                _where(chapter.path, _line_of(chapter.path, "title", True)),
                "title",
                chapter.title,
            ),
            Segment(
                squeeze(chapter.panelist),
                _where(chapter.path, _line_of(chapter.path, "panelist", True)),
                "byline",
                chapter.panelist,
            ),
        ]
        for block in chapter.blocks:
            text = visible_text(block.text)
            if squeeze(text):
                segments.append(
                    Segment(squeeze(text), _where(chapter.path, block.line), "paragraph", text)
                )
        units.append(Unit(chapter.name, tuple(s for s in segments if s.text)))
    return units


@dataclass
class Stream:
    """An edition's text in reading order, whitespace removed, with where each character is."""

    text: str
    places: list[str]
    """For each character: 'page N' or a document name."""


@dataclass
class PdfText:
    """A PDF's text inside the text block, and the line each of its characters is on."""

    stream: Stream
    line_of: list[int]
    lines: list[Line]
    advances: list[float] = field(default_factory=list)
    """The font's advance of each character of the stream, in pt (0 where unknown)."""


def pdf_text(drawn: Drawn, book: Book) -> PdfText:
    """The text inside the text block of each page, in the order it is drawn. Running heads
    and folios are outside the block; each line's baseline decides."""
    from ..typeset.geometry import geometry_of

    g = geometry_of(book)
    chars: list[str] = []
    places: list[str] = []
    line_of: list[int] = []
    kept: list[Line] = []
    advances: list[float] = []
    for line in lines_of(drawn.runs):
        if not (g.top <= line.baseline <= g.top + g.text_height + 1):
            continue
        text = squeeze(line.text)
        if not text:
            continue
        kept.append(line)
        chars.append(text)
        places.extend([f"page {line.page + 1}"] * len(text))
        line_of.extend([len(kept) - 1] * len(text))
        widths = line.advances if len(line.advances) == len(line.text) else [0.0] * len(line.text)
        advances += [a for ch, a in zip(line.text, widths, strict=True) if not _LAYOUT.match(ch)]
    return PdfText(Stream("".join(chars), places), line_of, kept, advances)


def epub_stream(docs: dict[str, Any]) -> Stream:
    texts, places = [], []
    for name, root in docs.items():
        body = root.find("{*}body")
        if body is None:
            continue
        text = squeeze("".join(body.itertext()))
        texts.append(text)
        places.extend([name] * len(text))
    return Stream("".join(texts), places)


def _longest_prefix(stream: str, wanted: str, start: int) -> tuple[int, int]:
    """(n, at): the longest prefix of ``wanted`` found in ``stream`` from ``start``, and where."""
    lo, hi, at = 0, len(wanted), stream.find("", start)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        found = stream.find(wanted[:mid], start)
        if found >= 0:
            lo, at = mid, found
        else:
            hi = mid - 1
    return lo, at


def _context(text: str, i: int, before: int = 8, after: int = 8) -> str:
    head = text[max(0, i - before) : i]
    tail = text[i : i + after]
    return f"…{head}⟦{tail[:1]}⟧{tail[1:]}…" if tail else f"…{head}⟦⟧ (end)"


@dataclass
class Match:
    unit: Unit
    start: int  # offset of the unit in the stream


def find_units(units: list[Unit], stream: Stream, label: str) -> tuple[list[Match], str | None]:
    """Find each unit in the edition, in order; the first difference as a message, or None."""
    matches: list[Match] = []
    cursor = 0
    for unit in units:
        wanted = unit.text
        begin = 0 if unit.anywhere else cursor
        found = stream.text.find(wanted, begin)
        if found >= 0:
            matches.append(Match(unit, found))
            if not unit.anywhere:
                cursor = found + len(wanted)
            continue
        n, at = _longest_prefix(stream.text, wanted, begin)
        offset = 0
        for segment in unit.segments:
            if n < offset + len(segment.text):
                break
            offset += len(segment.text)
        position = n - offset
        edition_at = at + n if n else begin
        place = stream.places[edition_at] if edition_at < len(stream.places) else "the end"
        return matches, (
            f"{segment.where}: {segment.what}, character {position + 1}: the manuscript has "
            f"'{_context(wanted, n)}', the {label} has "
            f"'{_context(stream.text, edition_at)}' ({place})"
        )
    return matches, None


def between_chapters(matches: list[Match], stream: Stream, label: str) -> str | None:
    """Chapters follow each other directly in a PDF: text between two is text added."""
    chapters = [m for m in matches if not m.unit.anywhere and m.unit.name != "standfirst"]
    for a, b in pairwise(chapters):
        gap = stream.text[a.start + len(a.unit.text) : b.start]
        if gap:
            return (
                f"{b.unit.segments[0].where}: the {label} has '{gap[:20]}' "
                f"({stream.places[a.start + len(a.unit.text)]}) before this chapter, "
                "which is not in the manuscript"
            )
    return None
