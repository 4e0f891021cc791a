"""The panelist index (人名索引) of a book of several pages: who speaks where.

Panelists and the parts' moderators, each once.

Made from the manuscript's own metadata (each contribution's ``panelist``), so it needs no
editor's markup and follows every edit. Names are sorted as a Chinese index sorts them, by
the surname's reading (``pinyin.name_sort_key``: 曾 under Z, 单 under S, 仇 under Q, where
a dictionary's first reading would put them under C, D and C), and grouped under the Latin
letter the reading begins with. Each edition renders the entries its own way: the EPUB links
to the contributions, the print book gives page numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..pinyin import name_readings, name_sort_key
from .model import Book, Chapter, Part


@dataclass(frozen=True)
class Place:
    """Where a person speaks: a contribution (its part and its number in the whole book), or
    (``chapter`` None) a part they moderate, whose opening names them."""

    part_number: int  # 1-based, in reading order
    part: Part
    chapter_number: int = 0  # 1-based, across the whole book (``Book.chapters``)
    chapter: Chapter | None = None

    @property
    def moderated(self) -> bool:
        return self.chapter is None


@dataclass(frozen=True)
class Entry:
    name: str
    places: tuple[Place, ...]


@dataclass(frozen=True)
class Group:
    letter: str  # "A" … "Z", or "#" for a name that has no Latin reading
    entries: tuple[Entry, ...]


def initial(name: str) -> str:
    """The Latin letter a name is filed under: the first letter of its surname's reading."""
    surname = name_readings(name)[0] if name.strip() else ""
    first = surname[:1].upper()
    return first if "A" <= first <= "Z" else "#"


def name_index(book: Book) -> list[Group]:
    """Every panelist and moderator of a book of parts, sorted and grouped, with the places
    they speak in reading order (a panelist of two parts has one entry with both). The
    moderators are in it too: they speak in every roundtable they lead, and a reader looks a
    name up without knowing which role it had."""
    places: dict[str, list[Place]] = {}
    for part_number, part in enumerate(book.parts, 1):
        if part.moderator:
            places.setdefault(part.moderator, []).append(Place(part_number, part))
        for index, chapter in zip(part.indices, part.chapters, strict=True):
            place = Place(part_number, part, index + 1, chapter)
            places.setdefault(chapter.panelist, []).append(place)
    groups: dict[str, list[Entry]] = {}
    for name in sorted(places, key=name_sort_key):
        groups.setdefault(initial(name), []).append(Entry(name, tuple(places[name])))
    # "#" (names without a Latin reading) after Z, as dictionaries put them.
    order = sorted(groups, key=lambda letter: (letter == "#", letter))
    return [Group(letter, tuple(groups[letter])) for letter in order]
