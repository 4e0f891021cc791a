"""Where each page of the reader PDF begins in the manuscript: the EPUB's print page numbers.

A student cites "p. 6" of the print edition; the EPUB can take them there only if it knows
where page 6 begins. The reader layout (``pdfwrite.lay_out``) knows: for each page, the first
line of text it draws. This module reads that from WeasyPrint's boxes as a *page map*, one
``PageStart`` a page (which part of the book, which paragraph of a chapter, how many of that
paragraph's characters came before, and the page's first characters to find it again), and
keeps it like the contents' page numbers are kept: on disk, by book, so that the EPUB never
waits for a PDF. The EPUB puts a pagebreak marker at each start; ``checks.page_list``
compares them with the reader PDF written beside it, and the build writes the EPUB again
when a new layout moved them.

Kept small and free of YAML, Markdown and templates: the renderer process (which only lays
out) imports it.

Unlike the caches of ``cache.py``, the map cannot be made again from the EPUB's inputs, so
it is kept even with ``ZHPRESS_NO_CACHE`` (a build without the cache must give the same EPUB).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

KIND = "pagemap"
META_NAME = "zhpress-page-map"
"""The reader's "meta" part carries the map's key in a <meta> of this name (``map_key``): the
renderer only sees the book's HTML, never its folder."""

SNIPPET = 12
"""Characters of each page's first line kept to find it again after an edit."""

OPENING, CONTENTS, COLOPHON = "opening", "toc", "colophon"
PREFACE, INDEX = "preface", "index"
"""A book of several pages also has its ``preface``, part openings ``o1`` … and the panelist
``index`` (the reader PDF names its laid-out parts so; ``epub_pages.document_names``)."""


@dataclass(frozen=True)
class PageStart:
    """Where one page begins. ``part`` is ``opening``, ``toc``, a chapter id (``c1`` …) or
    ``colophon``; ``block`` is the leaf's index in its chapter (``Chapter.leaves()``: a
    paragraph or heading), or -1 when the page
    begins with the chapter's heading (or is not in a chapter); ``offset`` counts the
    paragraph's characters on earlier pages; ``text`` is the page's first characters (empty
    for a blank page)."""

    page: int
    part: str
    block: int
    offset: int
    text: str


def map_key(book_root: Path) -> str:
    """The map's name: the book's folder (the last reader layout of *this* book)."""
    from ..cache import key_of

    return key_of({"what": "page map", "book": str(Path(book_root).resolve())})


def _path(key: str) -> Path:
    from ..cache import cache_root

    return cache_root() / KIND / key


def store(key: str, pages: list[PageStart]) -> None:
    """Write the map (atomically, only when it changed); a folder that cannot be written only
    costs the EPUB its page list."""
    data = encode(pages)
    path = _path(key)
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        pass


def encode(pages: list[PageStart]) -> bytes:
    return json.dumps([asdict(p) for p in pages], ensure_ascii=False, indent=0).encode()


def load(book_root: Path) -> list[PageStart] | None:
    """The map of the last reader layout of the book in ``book_root``, or None."""
    try:
        raw = json.loads(_path(map_key(book_root)).read_bytes())
        pages = [PageStart(**entry) for entry in raw]
    except (OSError, ValueError, TypeError):
        return None
    if [p.page for p in pages] != list(range(1, len(pages) + 1)):
        return None
    return pages


def digest(book_root: Path) -> str:
    """A hash of the stored map (empty when there is none), for the EPUB's fingerprint: a new
    reader layout that moved a page makes the EPUB out of date."""
    try:
        data = _path(map_key(book_root)).read_bytes()
    except OSError:
        return ""
    return hashlib.sha256(data).hexdigest()


# --- Reading the layout (in the renderer process) --------------------------------------------


def key_in(meta_html: str) -> str | None:
    """The map's key from the reader's "meta" part, if it carries one."""
    import re

    found = re.search(rf'<meta name="{META_NAME}" content="([0-9a-f]+)"', meta_html)
    return found.group(1) if found else None


def _text_boxes(box: Any, ancestors: tuple[Any, ...] = ()) -> Iterator[tuple[Any, tuple]]:
    """Every text box under ``box`` with its ancestors, in document order; the page's margin
    boxes (running heads, folios) are not the page's text."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.MarginBox):
        return
    if isinstance(box, boxes.TextBox):
        yield box, ancestors
        return
    for child in getattr(box, "children", None) or ():
        yield from _text_boxes(child, (*ancestors, box))


def _classes(box: Any) -> set[str]:
    element = getattr(box, "element", None)
    value = element.get("class") if element is not None else None
    return set(value.split()) if value else set()


def _paragraph(ancestors: tuple[Any, ...]) -> int | None:
    """The chapter paragraph (``data-block``) a text box is in, if it is in one."""
    for box in reversed(ancestors):
        element = getattr(box, "element", None)
        if element is not None and element.get("data-block") is not None:
            return int(element.get("data-block"))
    return None


def _is_list_mark(ancestors: tuple[Any, ...]) -> bool:
    """A list item's drawn number or bullet (``li-mark``): the print edition's, not the
    manuscript's text, so it counts no character and begins no page's snippet."""
    return bool(ancestors) and "li-mark" in _classes(ancestors[-1])


def _part_of(name: str, ancestors: tuple[Any, ...]) -> str:
    if name == "front":
        return CONTENTS if any("toc" in _classes(b) for b in ancestors) else OPENING
    return COLOPHON if name == "back" else name


def page_starts(documents: list[Any], names: list[str]) -> list[PageStart]:
    """The page map of laid-out parts (``names``: ``front``, chapter ids …, ``back``)."""
    starts: list[PageStart] = []
    seen: dict[tuple[str, int], int] = {}  # characters of each paragraph on earlier pages
    for name, document in zip(names, documents, strict=True):
        for page in document.pages:
            first: PageStart | None = None
            for text_box, ancestors in _text_boxes(page._page_box):
                text = text_box.text.replace("\n", "")
                if not text.strip() or _is_list_mark(ancestors):
                    continue
                block = _paragraph(ancestors)
                if first is None:
                    part = _part_of(name, ancestors)
                    where = seen.get((name, block), 0) if block is not None else 0
                    snippet = "".join(text.split())[:SNIPPET]
                    first = PageStart(
                        len(starts) + 1, part, -1 if block is None else block, where, snippet
                    )
                if block is not None:
                    seen[(name, block)] = seen.get((name, block), 0) + len(text)
            if first is not None and len(first.text) < SNIPPET:
                first = _longer_snippet(first, page)
            starts.append(first or PageStart(len(starts) + 1, _part_of(name, ()), -1, 0, ""))
    return starts


def _longer_snippet(first: PageStart, page: Any) -> PageStart:
    """The page's first characters across text boxes (a line may be cut into several)."""
    text = ""
    for text_box, ancestors in _text_boxes(page._page_box):
        if _is_list_mark(ancestors):
            continue
        text += "".join(text_box.text.split())
        if len(text) >= SNIPPET:
            break
    return PageStart(first.page, first.part, first.block, first.offset, text[:SNIPPET])
