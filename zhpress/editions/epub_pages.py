"""The print edition's page numbers in the EPUB: pagebreak markers and the page list.

In: the page map of the last reader layout (``pagemap``: for each page, the part, paragraph and
character where it begins). Out: an empty ``<span epub:type="pagebreak">`` at each of those
places (inside the paragraph, between two characters: no character is added, so search and
copy are unchanged) and the entries of the navigation document's ``page-list``.

A map made before the text was edited may point a few characters off: each page's first
characters were kept with it, and the marker goes where they are found nearest the counted
offset. The fast checks compare the result with the reader PDF (``checks.page_list``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape, unescape

from markupsafe import Markup

from ..manuscript.model import Book
from .pagemap import COLOPHON, CONTENTS, INDEX, OPENING, PREFACE, PageStart

START = -1  # the page begins with its part (a chapter's heading, the opening, the colophon)


@dataclass
class PageMarks:
    """The markers of one build, by where they go, and the page list they make."""

    pages: list[PageStart]
    document_of: dict[str, str]
    """part (``opening``, ``toc``, ``c1`` …, ``colophon``) -> the EPUB document's file name."""
    by_place: dict[tuple[str, int], list[PageStart]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for start in _placed(self.pages):
            self.by_place.setdefault((start.part, start.block), []).append(start)

    def at_start(self, part: str) -> Markup:
        """The markers of the pages that begin with ``part`` (rendered before its heading)."""
        return Markup("".join(marker(p.page) for p in self.by_place.get((part, START), [])))

    def in_paragraph(self, part: str, block: int, html: str) -> Markup:
        """A paragraph's XHTML with the markers of the pages that begin inside it."""
        starts = self.by_place.get((part, block), [])
        if not starts:
            return Markup(html)
        return Markup(insert_markers(str(html), starts))

    def page_list(self) -> list[dict[str, str]]:
        """``href`` and ``label`` of every print page, in order, for the nav's page-list."""
        return [
            {"href": f"{self.document_of[p.part]}#{page_id(p.page)}", "label": str(p.page)}
            for p in _placed(self.pages)
            if p.part in self.document_of
        ]


def page_id(number: int) -> str:
    return f"page-{number}"


def marker(number: int) -> str:
    """An empty pagebreak marker: named for assistive technology, invisible on the page."""
    return (
        f'<span epub:type="pagebreak" role="doc-pagebreak" id="{page_id(number)}" '
        f'aria-label="{number}"></span>'
    )


def _placed(pages: list[PageStart]) -> list[PageStart]:
    """The pages with a place: a blank page (no text) begins where the next page with text
    does (its marker comes just before that one's); blank pages at the end of the book go
    where the last page with text begins."""
    placed: list[PageStart] = []
    waiting: list[PageStart] = []
    for page in pages:
        if not page.text:
            waiting.append(page)
            continue
        placed += [PageStart(w.page, page.part, page.block, page.offset, "") for w in waiting]
        waiting = []
        placed.append(page)
    if placed:
        last = placed[-1]
        placed += [PageStart(w.page, last.part, last.block, last.offset, "") for w in waiting]
    return sorted(placed, key=lambda p: p.page)


def marks_for(book: Book, pages: list[PageStart] | None) -> PageMarks | None:
    """The book's page marks, or None without a map (no reader layout yet) or with one of
    another shape (chapters added or removed since): then the EPUB has no page list until
    the reader PDF is built."""
    if not pages:
        return None
    documents = document_names(book)
    with_paragraphs = paragraph_parts(book)
    for page in pages:
        if page.part not in documents:
            return None
        if page.block >= 0:
            leaves = with_paragraphs.get(page.part)
            if leaves is None or page.block >= len(leaves):
                return None
    return PageMarks(pages, documents)


def document_names(book: Book) -> dict[str, str]:
    """The page map's part names -> the EPUB document each names.

    A book of one page: ``opening``, ``toc``, ``c1`` …, ``colophon``. A book of several pages
    (``book.parts``) adds the reader PDF's ``preface``, the part openings ``o1`` … and the
    ``index``; its front matter (half-title and title page) is ``opening``, the title page's
    document, and its contributions are ``c1`` … across the whole book."""
    if not book.parts:
        documents = {OPENING: "opening.xhtml", CONTENTS: "nav.xhtml", COLOPHON: "colophon.xhtml"}
        for number in range(1, len(book.chapters) + 1):
            documents[chapter_part(number)] = f"chapter-{number:02d}.xhtml"
        return documents
    documents = {OPENING: "titlepage.xhtml", CONTENTS: "nav.xhtml"}
    if book.preface is not None:
        documents[PREFACE] = "preface.xhtml"
    for number in range(1, len(book.parts) + 1):
        documents[opening_part(number)] = f"part-{number:02d}.xhtml"
    for number in range(1, len(book.chapters) + 1):
        documents[chapter_part(number)] = f"chapter-{number:02d}.xhtml"
    documents[INDEX] = "index.xhtml"
    documents[COLOPHON] = "colophon.xhtml"
    return documents


def paragraph_parts(book: Book) -> dict[str, list]:
    """The parts whose pages may begin inside a paragraph (``PageStart.block`` >= 0), with
    their leaves: the contributions and the preface. Named by the map's own names, never by
    parsing them: ``o1`` is a part opening, not chapter 1."""
    found = {chapter_part(n): c.leaves() for n, c in enumerate(book.chapters, 1)}
    if book.parts and book.preface is not None:
        found[PREFACE] = book.preface.leaves()
    return found


def chapter_part(number: int) -> str:
    return f"c{number}"


def opening_part(number: int) -> str:
    return f"o{number}"


# --- Inside a paragraph ------------------------------------------------------------------------


def _squeezed(text: str) -> str:
    return "".join(text.split())


def best_offset(visible: str, offset: int, snippet: str) -> int:
    """Where the page begins in the paragraph's visible text: the counted ``offset`` when the
    page's first characters are there, else the nearest place they are, else ``offset``."""
    offset = max(0, min(offset, len(visible)))
    wanted = _squeezed(snippet)
    if not wanted:
        return offset

    def begins_here(i: int) -> bool:
        ahead = _squeezed(visible[i : i + 3 * len(wanted)])
        return bool(ahead) and (ahead.startswith(wanted) or wanted.startswith(ahead))

    if begins_here(offset):
        return offset
    found = [i for i in range(len(visible)) if begins_here(i)]
    return min(found, key=lambda i: (abs(i - offset), i)) if found else offset


def insert_markers(html: str, starts: list[PageStart]) -> str:
    """``html`` (inline XHTML) with a marker before the visible character each page begins at.
    Tags and entities are kept; only the text node a marker falls in is written again."""
    parts = re.split(r"(<[^>]*>)", html)
    texts = [unescape(p) if i % 2 == 0 else "" for i, p in enumerate(parts)]
    visible = "".join(texts)
    where = sorted(
        ((best_offset(visible, s.offset, s.text), s.page) for s in starts), key=lambda w: w
    )
    out, at, pending = [], 0, list(where)
    for i, part in enumerate(parts):
        if i % 2:
            out.append(part)
            continue
        text = texts[i]
        end = at + len(text)
        here = [w for w in pending if w[0] < end or (w[0] == end and i == len(parts) - 1)]
        if not here:
            out.append(part)
            at = end
            continue
        pending = pending[len(here) :]
        pieces, cut = [], 0
        for position, page in here:
            pieces.append(escape(text[cut : position - at], quote=False))
            pieces.append(marker(page))
            cut = position - at
        pieces.append(escape(text[cut:], quote=False))
        out.append("".join(pieces))
        at = end
    return "".join(out)
