"""The EPUB documents of a book of several pages (``Book.parts``).

A book collected from several newspaper pages reads: its title page (the book's own title,
series and publisher), the preface when there is one, then each part's opening (the opening
page of a single-page book, with the part's overline, headline, series, standfirst, panel and
moderator) followed by its contributions, and at the back the panelist index (人名索引).
Contributions are numbered across the whole book (``chapter-07.xhtml`` is ``Book.chapters[6]``),
as the reader PDF's page map numbers them (``c7``), so the page list finds them.
"""

from __future__ import annotations

from markupsafe import Markup

from ..manuscript.model import Book
from ..manuscript.name_index import Place, name_index
from .epub_documents import (
    Document,
    chapter_body,
    chapter_document,
    chapter_notes,
    chapter_sections,
    label_of,
    panel_rows,
    paragraph_html,
    render_template,
)
from .epub_pages import PageMarks, opening_part
from .pagemap import INDEX, OPENING, PREFACE

INDEX_TITLE = "人名索引"


def parts_documents(book: Book, marks: PageMarks | None) -> list[Document]:
    """Title page, preface, each part's opening and contributions, the index (the cover,
    contents and colophon are the same as a single-page book's)."""

    def at(name: str) -> Markup:
        return marks.at_start(name) if marks else Markup("")

    publisher = book.meta.get("publisher")
    docs = [
        Document(
            "titlepage",
            "titlepage.xhtml",
            book.title,
            render_template(
                "titlepage.xhtml",
                lang=book.language,
                doc_title=book.title,
                book=book,
                publisher=str(publisher).strip() if publisher not in (None, "") else None,
                lede=[paragraph_html(b.text) for b in book.lede],
                moderator_label=label_of(book, "主持人"),
                page_marks=at(OPENING),
            ),
        )
    ]
    if book.preface is not None:
        docs.append(preface_document(book, marks))
    for number, part in enumerate(book.parts, 1):
        docs.append(
            Document(
                f"part-{number:02d}",
                f"part-{number:02d}.xhtml",
                part.title,
                render_template(
                    "part.xhtml",
                    lang=book.language,
                    doc_title=part.title,
                    part=part,
                    lede=[paragraph_html(b.text) for b in part.lede],
                    panel=panel_rows(book, part),
                    page_marks=at(opening_part(number)),
                ),
                toc_label=part.title,
            )
        )
        docs += [
            chapter_document(book, index + 1, chapter, marks, level=2)
            for index, chapter in zip(part.indices, part.chapters, strict=True)
        ]
    docs.append(index_document(book, marks))
    return docs


def preface_document(book: Book, marks: PageMarks | None) -> Document:
    preface = book.preface
    assert preface is not None
    return Document(
        "preface",
        "preface.xhtml",
        preface.title,
        render_template(
            "preface.xhtml",
            lang=book.language,
            doc_title=preface.title,
            chapter=preface,
            body=chapter_body(preface, marks, PREFACE),
            notes=chapter_notes(preface),
            page_marks=marks.at_start(PREFACE) if marks else Markup(""),
        ),
        toc_label=preface.title,
        sections=chapter_sections(preface),
    )


def index_document(book: Book, marks: PageMarks | None) -> Document:
    """The panelist index: each panelist, with a link to every contribution they speak in,
    under the headline of its part; each moderator, with a link to the parts they lead."""
    title = label_of(book, INDEX_TITLE)
    moderated = label_of(book, "主持")
    groups = [
        {
            "letter": group.letter,
            "id": group.letter.lower() if group.letter != "#" else "other",
            "entries": [
                {
                    "name": entry.name,
                    "places": [_locator(place, moderated) for place in entry.places],
                }
                for entry in group.entries
            ],
        }
        for group in name_index(book)
    ]
    xhtml = render_template(
        "index.xhtml",
        lang=book.language,
        doc_title=title,
        groups=groups,
        page_marks=marks.at_start(INDEX) if marks else Markup(""),
    )
    return Document("index", "index.xhtml", title, xhtml, toc_label=title)


def _locator(place: Place, moderated: str) -> dict[str, str]:
    """An index line: the part's headline, then a link to the contribution (or, for the
    part's moderator, "主持" linking to the part's opening, which names them)."""
    if place.chapter is None:
        return {
            "part": place.part.title,
            "title": moderated,
            "href": f"part-{place.part_number:02d}.xhtml",
        }
    return {
        "part": place.part.title,
        "title": place.chapter.title,
        "href": f"chapter-{place.chapter_number:02d}.xhtml",
    }
