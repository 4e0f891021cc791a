"""Where the editions are written: ``<slug>.pdf``, ``<slug>-print.pdf`` and ``<slug>.epub``.

The slug is ``slug:`` from book.yaml, else the title in toneless pinyin. The build writes to
these paths and ``check`` reads them, so both take them from here.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..manuscript.model import Book


def slug_of(book: Book) -> str:
    """File stem of the editions: ``slug`` from book.yaml, else the title in toneless pinyin."""
    given = book.meta.get("slug")
    if given:
        slug = re.sub(r"[^a-z0-9-]+", "-", str(given).lower()).strip("-")
        if slug:
            return slug
    return pinyin_slug(book.title) or "book"


def pinyin_slug(text: str) -> str:
    """Toneless pinyin, words joined as in Hanyu Pinyin orthography (GB/T 16159), by '-'.

    pypinyin's dictionary segmenter finds the words it knows; runs of single characters it
    does not know are joined into one word rather than left as a string of syllables.
    """
    from .. import pinyin

    words: list[str] = []
    single = False
    for segment in pinyin.words(text):
        syllables = [s.lower() for s in pinyin.syllables(segment) if s.isascii() and s.isalnum()]
        if not syllables:
            single = False
            continue
        word = "".join(syllables)
        if len(segment) == 1 and single and words:
            words[-1] += word
        else:
            words.append(word)
        single = len(segment) == 1
    return "-".join(words)[:60].strip("-")


def edition_paths(book: Book, out: Path) -> dict[str, Path]:
    slug = slug_of(book)
    return {
        "reader": out / f"{slug}.pdf",
        "press": out / f"{slug}-print.pdf",
        "epub": out / f"{slug}.epub",
    }
