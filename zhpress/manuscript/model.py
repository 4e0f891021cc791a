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
class Block:
    """One Markdown block (a paragraph) with the 1-based line it starts on, for error messages."""

    text: str
    line: int


@dataclass(frozen=True)
class Chapter:
    path: Path
    panelist: str
    title: str
    blocks: tuple[Block, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    """Unknown front-matter keys, each with its line and the nearest known key."""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def slug(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class Book:
    root: Path
    title: str
    chapters: tuple[Chapter, ...]
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

    @property
    def yaml_path(self) -> Path:
        return self.root / "book.yaml"

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
        for chapter in self.chapters:
            parts += [chapter.title, chapter.panelist]
            parts += [b.text for b in chapter.blocks]
        return "".join(parts)
