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
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..manuscript.model import Block, Book, Chapter, Part
from .pdfscan import Drawn, Line, lines_of


@dataclass(frozen=True)
class Segment:
    """A piece of the manuscript's visible text, whitespace removed, and where it comes from."""

    text: str
    where: str  # "01-a.md:8"
    what: str  # "paragraph", "title", ...
    spaced: str = ""
    """The same text with its whitespace, to tell a Western word break from a space."""
    first_em: float = 2.0
    rest_em: float = 0.0
    """Where a justified paragraph's first and other lines start, in em from the measure's
    left edge (a quote and a list stand two em in; a list item's number hangs before it)."""


@dataclass(frozen=True)
class Unit:
    """Segments that every edition shows contiguously, in this order (a chapter: title,
    byline, paragraphs). ``anywhere``: may appear at any place (the headline, the kicker)."""

    name: str
    segments: tuple[Segment, ...]
    anywhere: bool = False
    group: int = 0
    """The part of a book of pages the unit is in (-1: the preface): a part's opening page
    stands between its chapters and the previous part's, so only chapters of one part must
    follow each other directly."""

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
    """Text without layout whitespace and invisible format characters, in canonical order
    (NFD): what the text check compares.

    Canonically equivalent texts are the same text to a reader, and a PDF's text layer does
    not keep the manuscript's form: HarfBuzz puts stacked marks in canonical order and may
    compose E + U+0301 into one glyph, and WeasyPrint maps each glyph to the text of the
    first cluster it drew it for (an 'É' typed whole reads back as E + U+0301, and
    E + U+3099 + U+0301 as E + U+0301 + U+3099). So both sides are compared decomposed, in
    canonical order; a missing, added or different character is still a difference."""
    return unicodedata.normalize("NFD", _LAYOUT.sub("", text))


def squeeze_with(text: str, values: list[float]) -> tuple[str, list[float]]:
    """``squeeze`` of ``text`` and, alike, a value per character (its advance): a character
    that decomposes keeps its value on its first part, the marks get 0."""
    squeezed = _LAYOUT.sub("", text)
    if unicodedata.is_normalized("NFD", squeezed):  # nearly every line: nothing to reorder
        if len(squeezed) == len(text):
            return text, list(values)
        return squeezed, [v for ch, v in zip(text, values, strict=True) if not _LAYOUT.match(ch)]
    chars: list[str] = []
    kept: list[float] = []
    for ch, value in zip(text, values, strict=True):
        if _LAYOUT.match(ch):
            continue
        parts = unicodedata.normalize("NFD", ch)
        chars += parts
        kept += [value] + [0.0] * (len(parts) - 1)
    # Canonical order: each run of marks sorted by combining class (stable), values alike.
    i = 0
    while i < len(chars):
        if not unicodedata.combining(chars[i]):
            i += 1
            continue
        j = i
        while j < len(chars) and unicodedata.combining(chars[j]):
            j += 1
        order = sorted(range(i, j), key=lambda k: unicodedata.combining(chars[k]))
        chars[i:j], kept[i:j] = [chars[k] for k in order], [kept[k] for k in order]
        i = j
    return "".join(chars), kept


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


def manuscript_units(book: Book, print_edition: bool = False) -> list[Unit]:
    """The manuscript as the editions must show it: visible text (Markdown markup removed).
    A print edition also draws the lists' markers, and its footnotes at the pages' feet."""
    from ..manuscript.markdown import block_text, visible_text

    units: list[Unit] = []

    def opening(page: Book | Part, group: int) -> None:
        yaml = page.yaml_path
        for key, value in (
            ("kicker", page.kicker),
            ("title", page.title),
            ("series", page.series),
            ("moderator", page.moderator),
        ):
            if value and squeeze(value):
                where = _where(yaml, _line_of(yaml, key, False))
                segment = Segment(squeeze(value), where, key, value)
                units.append(Unit(key, (segment,), anywhere=True, group=group))
        lede = tuple(
            Segment(squeeze(t), _where(yaml, b.line), "standfirst paragraph", t)
            for b in page.lede
            if squeeze(t := visible_text(b.text, b.inline))
        )
        if lede:
            units.append(Unit("standfirst", lede, group=group))

    opening(book, 0)
    opened = 0
    for group, chapter in book.reading_order():
        if group > opened:
            opening(book.parts[group - 1], group)
            opened = group
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
        segments += body_segments(chapter, markers=print_edition)
        notes = [
            Segment(squeeze(t), _where(chapter.path, n.line), "footnote", t)
            for n in chapter.notes
            if squeeze(t := block_text(n))
        ]
        if print_edition:
            # A footnote sits at the foot of its call's page: anywhere in the chapter's run.
            units.append(Unit(chapter.name, tuple(s for s in segments if s.text), group=group))
            units += [
                Unit(f"{chapter.name} note", (note,), anywhere=True, group=group) for note in notes
            ]
        else:
            # The EPUB's notes follow the chapter's text in its document.
            text = tuple(s for s in segments + notes if s.text)
            units.append(Unit(chapter.name, text, group=group))
    return units


WHAT = {
    "p": "paragraph",
    "h2": "heading",
    "h3": "heading",
    "h4": "heading",
    "figure": "caption",
    "th": "table cell",
    "td": "table cell",
}


def body_segments(chapter: Chapter, markers: bool) -> list[Segment]:
    """A chapter's blocks as segments in reading order; with ``markers`` (the print editions),
    a list item's number or bullet leads its first paragraph, as it is drawn."""
    from ..manuscript.markdown import block_text, list_marker

    out: list[Segment] = []

    def walk(block: Block, inset: float, first: float | None, mark: str) -> None:
        if block.kind in ("quote",):
            for child in block.children:
                walk(child, inset + 2, None, "")
        elif block.kind in ("ol", "ul"):
            for n, item in enumerate(block.children):
                for k, child in enumerate(item.children):
                    hang = list_marker(block, n) if markers and k == 0 else ""
                    walk(child, inset + 2, inset if k == 0 else inset + 2, hang)
        elif block.kind in ("table", "tr"):
            for child in block.children:
                walk(child, inset, None, "")
        elif block.kind in WHAT:
            text = mark + block_text(block)
            if squeeze(text):
                out.append(
                    Segment(
                        squeeze(text),
                        _where(chapter.path, block.line),
                        WHAT[block.kind],
                        text,
                        inset + 2 if first is None else first,
                        inset,
                    )
                )

    for block in chapter.blocks:
        walk(block, 0.0, None, "")
    return out


def strip_units(units: list[Unit], stream: Stream, *alike: list) -> Stream:
    """The stream without the ``anywhere`` units that are footnotes (each where it is first
    found), so that the chapter around them reads contiguously; the lists ``alike`` (a
    character's line, its advance) are cut alike."""
    text, places = stream.text, list(stream.places)
    found: set[str] = set()
    for unit in units:
        if not (unit.anywhere and unit.name.endswith(" note")):
            continue
        at = text.find(unit.text)
        if at < 0:
            continue
        end = at + len(unit.text)
        found.add(unit.name)
        text = text[:at] + text[end:]
        del places[at:end]
        for values in alike:
            del values[at:end]
    return Stream(text, places, frozenset(found))


@dataclass
class Stream:
    """An edition's text in reading order, whitespace removed, with where each character is."""

    text: str
    places: list[str]
    """For each character: 'page N' or a document name."""
    found_apart: frozenset[str] = frozenset()
    """Units already found and cut out of the text (a PDF's footnotes, ``strip_units``)."""


@dataclass
class PdfText:
    """A PDF's text inside the text block, and the line each of its characters is on."""

    stream: Stream
    line_of: list[int]
    lines: list[Line]
    advances: list[float] = field(default_factory=list)
    """The font's advance of each character of the stream, in pt (0 where unknown)."""


def pdf_text(drawn: Drawn, book: Book, units: list[Unit] | None = None) -> PdfText:
    """The text inside the text block of each page, in the order it is drawn. Running heads
    and folios are outside the block; each line's baseline decides. With ``units``, the
    footnotes among them are cut out (``strip_units``)."""
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
        widths = line.advances if len(line.advances) == len(line.text) else [0.0] * len(line.text)
        text, widths = squeeze_with(line.text, widths)
        if not text:
            continue
        kept.append(line)
        chars.append(text)
        places.extend([f"page {line.page + 1}"] * len(text))
        line_of.extend([len(kept) - 1] * len(text))
        advances += widths
    stream = Stream("".join(chars), places)
    if units is not None:
        if len(advances) != len(line_of):
            advances = []
        stream = strip_units(units, stream, line_of, *([advances] if advances else []))
    return PdfText(stream, line_of, kept, advances)


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


def _find_outside(text: str, wanted: str, begin: int, claimed: list[tuple[int, int]]) -> int:
    """The first occurrence of ``wanted`` from ``begin`` that does not start inside a text
    already claimed by another unit (a lede '0' is not the '0' of the title '0中', a chapter
    '0中0中0' does not start at the title '0中' on the opening page), or -1."""
    found = text.find(wanted, begin)
    while found >= 0 and any(a <= found < b for a, b in claimed):
        found = text.find(wanted, found + 1)
    return found


def find_units(units: list[Unit], stream: Stream, label: str) -> tuple[list[Match], str | None]:
    """Find each unit in the edition, in order; the first difference as a message, or None.

    The ``anywhere`` units (the headline) claim where they are found, and a unit is not found
    inside a claimed text: a short unit that is part of the title (a lede of one digit) would
    otherwise be "found" in the title, and its lines measured there. A chapter followed by
    another of the same part is looked for with it first (they follow each other directly):
    a chapter of a few characters is also in the opening page's list of guests or in the
    contents, two in a row are not."""
    matches: list[Match] = []
    claimed: list[tuple[int, int]] = []
    cursor = 0
    ordered = [u for u in units if not u.anywhere and u.name not in stream.found_apart]
    following = {id(a): b for a, b in pairwise(ordered)}
    for unit in units:
        if unit.name in stream.found_apart:
            continue
        wanted = unit.text
        begin = 0 if unit.anywhere else cursor
        found = -1
        after = following.get(id(unit))
        if after is not None and "standfirst" not in (unit.name, after.name):
            if after.group == unit.group:
                found = _find_outside(stream.text, wanted + after.text, begin, claimed)
        if found < 0:
            found = _find_outside(stream.text, wanted, begin, claimed)
        if found < 0 and unit.anywhere:  # the headline may repeat itself (a kicker in a title)
            found = stream.text.find(wanted, begin)
        if found >= 0:
            matches.append(Match(unit, found))
            if unit.anywhere:
                claimed.append((found, found + len(wanted)))
            else:
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
        if gap and a.unit.group == b.unit.group:
            return (
                f"{b.unit.segments[0].where}: the {label} has '{gap[:20]}' "
                f"({stream.places[a.start + len(a.unit.text)]}) before this chapter, "
                "which is not in the manuscript"
            )
    return None
