"""The EPUB's print page numbers against the reader PDF written beside it.

The EPUB takes its page list from the page map of the *last* reader layout
(``editions.pagemap``), so it never waits for the PDF; a build that lays the reader out again
may move a page. This check reads both editions as a reader would: the page list must name
every page of the PDF, and where a page begins inside a chapter, the text after its
pagebreak marker must be the text the PDF's page begins with. The build writes the EPUB
again when they differ (``builder.pipeline``); what is left is an error.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from .outputs import ERROR, OK, Finding, Outputs
from .text_reaches_editions import pdf_text, squeeze

EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
COMPARED = 8
"""Characters compared at each page's start: enough to tell two lines apart."""


@dataclass(frozen=True)
class Marker:
    document: str
    page: str
    following: str  # the squeezed text after the marker, as far as a page start is compared


def epub_markers(docs: dict[str, Any]) -> tuple[list[tuple[str, str]], dict[str, Marker]]:
    """The page list (label, href) and every pagebreak marker by ``document#id``."""
    listed: list[tuple[str, str]] = []
    found: list[tuple[str, str, str, int]] = []  # document, id, label, stream position
    stream: list[str] = []
    length = 0  # of the stream so far: summing it at every marker was quadratic

    def add(text: str | None) -> None:
        nonlocal length
        if text:
            squeezed = squeeze(text)
            stream.append(squeezed)
            length += len(squeezed)

    def walk(name: str, element: Any) -> None:
        if "pagebreak" in (element.get(EPUB_TYPE) or "").split():
            found.append((name, element.get("id"), element.get("aria-label") or "", length))
        add(element.text)
        for child in element:
            walk(name, child)
            add(child.tail)

    for name, root in docs.items():
        body = root.find("{*}body")
        if body is None:
            continue
        for nav in body.iter("{*}nav"):
            if "page-list" in (nav.get(EPUB_TYPE) or "").split():
                folder = posixpath.dirname(name)
                listed += [
                    ("".join(a.itertext()).strip(), posixpath.join(folder, a.get("href") or ""))
                    for a in nav.iter("{*}a")
                ]
        walk(name, body)
    joined = "".join(stream)
    # What follows a marker, as far as a page's start is compared (``_same_start`` reads no
    # further): the whole rest of the book for each of a thousand markers took gigabytes.
    markers = {
        f"{doc}#{uid}": Marker(doc, label, joined[at : at + COMPARED])
        for doc, uid, label, at in found
    }
    return listed, markers


def pdf_page_starts(out: Outputs) -> list[str]:
    """Each numbered page's text inside the text block (running heads and folios left out),
    by folio: a cover (``cover: true``) is an unnumbered page before page 1. Read once per
    build: the build asks before its checks do."""
    return out._once(("reader", "page starts"), lambda: _pdf_page_starts(out))


def _pdf_page_starts(out: Outputs) -> list[str]:
    from .lines import unnumbered_pages

    cover = unnumbered_pages(out.book, "reader")
    pages = len(out.objects("reader").pages)
    text = pdf_text(out.drawn("reader"), out.book).stream
    starts = [""] * pages
    last, number = None, 0
    for ch, place in zip(text.text, text.places, strict=True):
        if place is not last:  # one string object a line: parsed once a line, not a character
            last, number = place, int(place.split()[1]) - 1
        if len(starts[number]) < COMPARED:
            starts[number] += ch
    return starts[cover:]


def differences(out: Outputs) -> list[str]:
    """How the EPUB's page list differs from the reader PDF's pages (empty: it matches)."""
    return out._once(("epub", "page list"), lambda: _differences(out))


def _differences(out: Outputs) -> list[str]:
    listed, markers = epub_markers(out.epub())
    pdf_pages = pdf_page_starts(out)
    labels = [label for label, _ in listed]
    wanted = [str(n) for n in range(1, len(pdf_pages) + 1)]
    if labels != wanted:
        return [
            f"the EPUB's page list has {len(labels)} page(s), the reader PDF {len(pdf_pages)}"
            if len(labels) != len(wanted)
            else f"the EPUB's page list is {', '.join(labels)}, not 1 to {len(wanted)}"
        ]
    found = []
    for (label, href), begins in zip(listed, pdf_pages, strict=True):
        marker = markers.get(href)
        if marker is None or marker.page != label:
            found.append(f"page {label}: the page list points to {href}, which is no marker")
            continue
        document = posixpath.basename(marker.document)
        in_text = document.startswith("chapter-") or document == "preface.xhtml"
        if in_text and begins:
            if not _same_start(marker.following, begins):
                found.append(
                    f"page {label}: the EPUB's marker is before “{marker.following[:COMPARED]}”, "
                    f"the reader PDF's page begins “{begins}”"
                )
    return found


LIST_MARK = re.compile(r"•|\d+\.")
"""What the print editions draw before a list item (``markdown.list_marker``); the EPUB's
lists are <ol>/<ul>, whose markers are no text."""


def _same_start(following: str, begins: str) -> bool:
    """Whether the EPUB's text after a marker begins as the PDF's page does, the numbers and
    bullets the PDF draws before list items aside, wherever on the page's first line they
    stand (a page may open with a chapter's title, then a list)."""

    def match(i: int, j: int) -> bool:
        if j == len(begins):
            return True
        if begins[j:].isdigit() and begins[j - 1 : j] != ".":
            return True  # a list number the compared text was cut in
        mark = LIST_MARK.match(begins, j)
        if mark and match(i, mark.end()):
            return True
        return i < len(following) and following[i] == begins[j] and match(i + 1, j + 1)

    return match(0, 0)


def check_page_list(out: Outputs) -> list[Finding]:
    """The EPUB's page list and pagebreak markers are the reader PDF's pages."""
    if not (out.has("epub") and out.has("reader")):
        return []
    found = differences(out)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        return [Finding("epub", "page-list", ERROR, found[0] + more)]
    pages = len(pdf_page_starts(out))
    return [Finding("epub", "page-list", OK, f"{pages} pages, as in the reader PDF")]
