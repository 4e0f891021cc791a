"""The Book model: what every stage after the manuscript reads, and the only thing it reads.

Immutable, and made only by ``load.load_book`` (or the importer's read-back), so every problem
with the manuscript has been reported, with its file and line, before a later stage starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_LANGUAGE = "zh-Hans"


@dataclass(frozen=True)
class Inline:
    """What a chapter's inline Markdown needs besides its own text: the reference definitions
    (``[a]: path``) and the chapter's footnote labels with their numbers, in order of first
    reference. Shared by every block of a chapter."""

    references: tuple[tuple[str, str, int], ...] = ()
    """(label, target, line) of each reference definition."""
    notes: tuple[tuple[str, int], ...] = ()


NO_INLINE = Inline()

LEAF_KINDS = frozenset({"p", "h2", "h3", "h4", "th", "td", "figure", "note"})
"""Blocks whose ``text`` is inline Markdown the reader sees (the composer sets each)."""


@dataclass(frozen=True)
class Block:
    """One Markdown block with the 1-based line it starts on, for error messages.

    ``kind``: "p" (a paragraph), "h2"–"h4" (a section heading), "figure" (``text`` is the
    caption, ``info`` the image), "note" (a footnote: ``info`` is its number), "th"/"td" (a
    table cell: ``info`` its alignment) hold inline Markdown in ``text``; "quote", "ol" (``info``
    its first number), "ul", "li", "table", "tr" (``info`` "head" in the head) hold
    ``children``; "hr" is a section break."""

    text: str
    line: int
    kind: str = "p"
    children: tuple[Block, ...] = ()
    info: str = ""
    inline: Inline = NO_INLINE

    def leaves(self) -> list[Block]:
        """The blocks with text under this one (itself when it is one), in reading order."""
        if self.kind in LEAF_KINDS:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]


@dataclass(frozen=True)
class Chapter:
    path: Path
    panelist: str
    title: str
    blocks: tuple[Block, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    """Unknown front-matter keys, each with its line and the nearest known key."""
    notes: tuple[Block, ...] = ()
    """The chapter's footnotes ("note" blocks), numbered from 1 in order of reference."""
    folder: str = ""
    """Its part's folder in a book of pages: two parts may each have an ``01-xu-yusen.md``."""

    def leaves(self) -> list[Block]:
        """Every block with text in the body, in reading order (notes not included)."""
        return [leaf for block in self.blocks for leaf in block.leaves()]

    @property
    def name(self) -> str:
        return f"{self.folder}/{self.path.name}" if self.folder else self.path.name

    @property
    def slug(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class Part:
    """One source page of a book collected from several (``parts:`` in book.yaml): its own
    headline, overline, standfirst, panel and moderator, and its contributions. ``first`` is
    the index in ``Book.chapters`` of its first contribution."""

    folder: Path
    title: str
    chapters: tuple[Chapter, ...]
    first: int
    kicker: str | None = None
    series: str | None = None
    moderator: str | None = None
    lede: tuple[Block, ...] = ()

    @property
    def yaml_path(self) -> Path:
        return self.folder / "part.yaml"

    @property
    def panelists(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.panelist for c in self.chapters))

    @property
    def indices(self) -> range:
        """Where its contributions are in ``Book.chapters``."""
        return range(self.first, self.first + len(self.chapters))


@dataclass(frozen=True)
class Book:
    root: Path
    title: str
    chapters: tuple[Chapter, ...]
    """Every contribution in reading order; in a book of parts, all parts' in turn."""
    kicker: str | None = None
    series: str | None = None
    moderator: str | None = None
    lede: tuple[Block, ...] = ()
    language: str = DEFAULT_LANGUAGE
    meta: dict[str, Any] = field(default_factory=dict)
    """Optional keys beyond the contract (identifier, publisher, date, edition, trim, fonts ...)."""
    warnings: tuple[str, ...] = ()
    """What the editor should know but the build can go on with: unknown keys in book.yaml
    and front matter (``file:line``, with the nearest known key)."""
    parts: tuple[Part, ...] = ()
    """The pages a collected book is made of (empty for a book of one page)."""
    preface: Chapter | None = None
    """A collected book's preface (``preface:``), read like a chapter without front matter."""

    @property
    def yaml_path(self) -> Path:
        return self.root / "book.yaml"

    def part_of(self, index: int) -> Part | None:
        """The part that holds ``chapters[index]`` (None in a book of one page)."""
        for part in self.parts:
            if index in part.indices:
                return part
        return None

    def reading_order(self) -> list[tuple[int, Chapter]]:
        """The preface and the contributions as a reader meets them, each with the number of
        its part (1, 2 …; 0 in a book of one page; -1 for the preface). A part's opening page
        comes before the first contribution that has its number."""
        out = [(-1, self.preface)] if self.preface is not None else []
        if not self.parts:
            return out + [(0, chapter) for chapter in self.chapters]
        return out + [(k, c) for k, part in enumerate(self.parts, 1) for c in part.chapters]

    @property
    def moderators(self) -> tuple[str, ...]:
        """Each moderator once: the book's, or every part's in reading order."""
        names = [self.moderator] + [part.moderator for part in self.parts]
        return tuple(dict.fromkeys(n for n in names if n))

    @property
    def panelists(self) -> tuple[str, ...]:
        """Each contributor once, in order of first appearance (one may write several
        chapters: the cover, colophon and metadata name them once)."""
        return tuple(dict.fromkeys(c.panelist for c in self.chapters))

    @property
    def variant(self) -> str:
        """SC, TC or HK: the faces the book is set in, and how its marks sit in the em."""
        from .language import variant_of

        return variant_of(self.language)

    def text(self) -> str:
        """All text a reader sees, in reading order (how long a book is, what the checks find)."""
        parts = [self.kicker or "", self.title, self.series or "", self.moderator or ""]
        parts += [b.text for b in self.lede]
        for part in self.parts:
            parts += [part.kicker or "", part.title, part.series or "", part.moderator or ""]
            parts += [b.text for b in part.lede]
        if self.preface is not None:
            parts += [b.text for b in self.preface.leaves()]
            parts += [b.text for b in self.preface.notes]
        for chapter in self.chapters:
            parts += [chapter.title, chapter.panelist]
            parts += [b.text for b in chapter.leaves()]
            parts += [b.text for b in chapter.notes]
        return "".join(parts)
