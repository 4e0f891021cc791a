"""The EPUB's documents: one XHTML document per contribution, the opening, nav and colophon.

In: the ``Book``. Out: ``Document``s (file name, title, XHTML) rendered from templates/epub/
with the manuscript's Markdown, and the small rules they follow (names sorted in pinyin,
W3C dates, the book's identifier).
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from html import unescape
from typing import Any

from lxml import etree
from markupsafe import Markup, escape

from .. import __version__
from ..cjk import in_script, is_wide
from ..errors import BookError
from ..manuscript.markdown import block_html, markdown_inline, note_mark, visible_text
from ..manuscript.model import Block, Book, Chapter, Part
from ..typeset.faces import Face
from .epub_fonts import family_of
from .epub_pages import PageMarks
from .pagemap import COLOPHON, CONTENTS, OPENING
from .templates import environment
from .westernspace import space_html, spaced

XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
OPS_FOLDER = "EPUB"

FACE_USE = {"serif": "正文", "sans": "标题", "kai": "导语、署名"}

FONT_NOTE = "。书中仅嵌入用到的字形，字体的版权与许可声明保留在字体文件中。"


@dataclass(frozen=True)
class Document:
    """One XHTML file of the book, as it will be stored."""

    uid: str
    name: str  # file name inside text/
    title: str
    xhtml: str
    toc_label: str | None = None
    sections: tuple[tuple[int, str, str], ...] = ()
    """(level, id, label) of the document's section headings, for the nav."""
    level: int = 1
    """Its depth in the contents: 2 for a contribution under its part's opening."""

    @property
    def href(self) -> str:
        return f"text/{self.name}"


# --- Small rules --------------------------------------------------------------------------


def source_date(book: Book) -> int:
    """Seconds since the epoch for dcterms:modified and the zip entries.

    SOURCE_DATE_EPOCH when set (reproducible builds); otherwise the newest modification time of
    the manuscript, so two builds of an unchanged manuscript are still byte-identical.
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is not None and raw.strip():
        try:
            value = int(raw.strip())
        except ValueError:
            raise BookError(
                f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not {raw!r}"
            ) from None
        if value < 0:
            raise BookError(f"SOURCE_DATE_EPOCH must not be negative, not {raw!r}")
        return value
    paths = [book.yaml_path, *(c.path for c in book.chapters)]
    paths += [part.yaml_path for part in book.parts]
    paths += [book.preface.path] if book.preface is not None else []
    return max(int(p.stat().st_mtime) for p in paths)


def book_identifier(book: Book) -> str:
    """``identifier`` from book.yaml, else a UUID derived from what names the book.

    Derived from the title, overline, series and people (not the text), so correcting a typo
    keeps the identifier and reading apps keep the reader's place and notes.
    """
    given = book.meta.get("identifier")
    if given not in (None, ""):
        return str(given).strip()
    parts = [book.title, book.kicker or "", book.series or "", *book.panelists]
    parts.append(book.moderator or "")
    name = "zhpress:" + "\x1f".join(parts)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def file_as(name: str) -> str:
    """Sort name in pinyin, surname first: 徐雨森 -> "Xu, Yusen"; non-Han names unchanged."""
    from ..pinyin import name_readings

    name = name.strip()
    if not name or not all(is_wide(ch) for ch in name) or len(name) < 2:
        return name
    sur, giv = name_readings(name)
    return f"{sur.capitalize()}, {giv.capitalize()}"


def join_soft_breaks(text: str) -> str:
    """Join a paragraph's inner line breaks: nothing between Chinese characters, a space else.

    A reading app shows a line break in the XHTML as a space, and a space between two Chinese
    characters is a typo. The contract keeps a paragraph on one line; this is the fallback.
    """

    def joint(match: re.Match[str]) -> str:
        before, after = match.group(1), match.group(2)
        return before + ("" if is_wide(before) or is_wide(after) else " ") + after

    return re.sub(r"(\S)[ \t]*\n[ \t]*(\S)", joint, text)


def paragraph_html(text: str) -> Markup:
    # markdown_inline resolves soft breaks after Markdown, as the print editions do; the
    # Han/Western spacing is markup, so every reading system shows it (westernspace.py).
    return space_html(markdown_inline(text))


IMAGES_FOLDER = "images"
"""The book's images sit in EPUB/images/ under their path inside the book folder."""


def epub_image_href(target: str) -> str:
    """Where an image of the manuscript is stored in the EPUB, relative to EPUB/."""
    from urllib.parse import quote, unquote

    path = unquote(target.split("#", 1)[0].split("?", 1)[0]).lstrip("./")
    return f"{IMAGES_FOLDER}/{quote(path)}"


def block_epub_html(block: Block) -> Markup:
    """A block's inline HTML for the EPUB: images point into the package, and the Han/Western
    spacing is markup."""
    html = str(block_html(block))
    html = re.sub(
        r'<img src="([^"]*)"',
        lambda m: f'<img src="../{epub_image_href(unescape(m.group(1)))}"',
        html,
    )
    return space_html(Markup(html))


def plain_text_of(block: Block) -> str:
    return visible_text(block.text, block.inline)


def chapter_body(chapter: Chapter, marks: PageMarks | None = None, part: str = "") -> Markup:
    """A contribution's blocks as XHTML: paragraphs, headings, quotes, lists, tables,
    figures, section breaks; footnote calls link to the asides after the text. With
    ``marks``, the print pages that begin inside a leaf (``chapter.leaves()``, counted as the
    print edition counts them) get their pagebreak markers there."""
    heads = iter(range(1, 10_000))
    leaves = iter(range(len(chapter.leaves())))

    def leaf(block: Block) -> str:
        html = block_epub_html(block)
        n = next(leaves)
        return str(marks.in_paragraph(part, n, html)) if marks else html

    def walk(block: Block) -> str:
        kind = block.kind
        if kind == "p":
            return f"<p>{leaf(block)}</p>"
        if kind in ("h2", "h3", "h4"):
            return f'<{kind} id="s{next(heads)}">{leaf(block)}</{kind}>'
        if kind == "hr":
            return '<hr class="ornament"/>'
        if kind == "quote":
            return "<blockquote>" + "".join(walk(c) for c in block.children) + "</blockquote>"
        if kind in ("ol", "ul"):
            start = f' start="{block.info}"' if kind == "ol" and block.info != "1" else ""
            items = "".join(
                "<li>" + "".join(walk(c) for c in item.children) + "</li>"
                for item in block.children
            )
            return f"<{kind}{start}>{items}</{kind}>"
        if kind == "table":
            head = [r for r in block.children if r.info == "head"]
            body = [r for r in block.children if r.info != "head"]

            def rows(group: list[Block]) -> str:
                return "".join(
                    "<tr>"
                    + "".join(
                        f'<{c.kind} class="{c.info or "left"}">{leaf(c)}</{c.kind}>'
                        for c in row.children
                    )
                    + "</tr>"
                    for row in group
                )

            thead = f"<thead>{rows(head)}</thead>" if head else ""
            return f'<table class="three-line">{thead}<tbody>{rows(body)}</tbody></table>'
        if kind == "figure":
            src = escape(epub_image_href(block.info))
            return (
                f'<figure><img src="../{src}" alt="{escape(plain_text_of(block))}"/>'
                f"<figcaption>{leaf(block)}</figcaption></figure>"
            )
        return ""

    return Markup("\n".join(walk(block) for block in chapter.blocks))


def plain_text(text: str) -> str:
    """A manuscript block as plain text (Markdown emphasis removed), for metadata."""
    html = str(paragraph_html(text))
    fragment = etree.fromstring(f"<p>{html}</p>".encode(), etree.XMLParser(recover=True))
    return "".join(fragment.itertext())


def w3c_date(value: Any) -> str | None:
    """``date`` from book.yaml as a W3CDTF date (YYYY, YYYY-MM or YYYY-MM-DD), else None."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        return text
    return None


def publication_date(book: Book) -> str | None:
    """``date`` from book.yaml for dc:date; a clear error (file and line) when it is no date."""
    if book.meta.get("date") in (None, ""):
        return None
    when = w3c_date(book.meta["date"])
    if when is None:
        raise BookError(
            f"'date' must be a date like 2024-03-01, not {book.meta['date']!r}",
            path=book.yaml_path,
            line=_line_of(book, "date"),
        )
    return when


def _line_of(book: Book, key: str) -> int | None:
    try:
        lines = book.yaml_path.read_text(encoding="utf-8").split("\n")
    except OSError:
        return None
    for number, line in enumerate(lines, 1):
        if re.match(rf"{re.escape(key)}\s*:", line):
            return number
    return None


# --- Documents ----------------------------------------------------------------------------


def label_of(book: Book, label: str) -> str:
    """One of zhpress's own labels, in the book's script (目錄 in a Traditional book)."""
    return in_script(label, book.variant != "SC")


def panel_rows(book: Book, part: Part | None = None) -> list[dict[str, Any]]:
    """The opening's panel: a single-page book's, or one part's (its own panelists and
    moderator)."""
    who = part or book
    rows = [{"label": label_of(book, "嘉宾"), "names": list(who.panelists)}]
    if who.moderator:
        rows.append({"label": label_of(book, "主持人"), "names": [who.moderator]})
    return rows


def cover_alt(book: Book) -> str:
    def t(label: str) -> str:
        return label_of(book, label)

    # A Traditional book quotes with 「」, a Simplified one with “”.
    left, right = ("「", "」") if book.variant != "SC" else ("“", "”")
    parts = []
    if book.series:
        parts.append(f"{t('栏目')}{left}{book.series}{right}")
    if book.kicker:
        parts.append(f"{t('引题')}{left}{book.kicker}{right}")
    parts.append(f"{t('标题')}{left}{book.title}{right}")
    if book.parts:
        from .covertype import collection_rows

        parts += [row["label"] + "".join(row["names"]) for row in collection_rows(book)]
    else:
        parts.append(t("嘉宾") + "、".join(book.panelists))
        if book.moderator:
            parts.append(f"{t('主持人')}{book.moderator}")
    return t("封面") + "：" + "，".join(parts) + "。"


def render_template(template: str, **context: Any) -> str:
    env = environment()
    env.filters["spaced"] = spaced  # {{ text | spaced }}: Han/Western spacing as markup
    return env.get_template(f"epub/{template}").render(**context)


def render_documents(book: Book, cover_href: str, marks: PageMarks | None = None) -> list[Document]:
    """Cover page, opening page, contents, one document per contribution (colophon later);
    with ``marks``, the print edition's pagebreak markers where its pages begin."""
    lang = book.language
    no_marks = Markup("")
    cover = Document(
        "cover",
        "cover.xhtml",
        label_of(book, "封面"),
        render_template(
            "cover.xhtml",
            lang=lang,
            doc_title=label_of(book, "封面"),
            html_class="cover-page",
            cover_href=cover_href,
            cover_alt=cover_alt(book),
        ),
    )
    if book.parts:
        from .epub_parts import parts_documents

        return [cover, *parts_documents(book, marks)]
    lede = [paragraph_html(b.text) for b in book.lede]
    panel = panel_rows(book)
    docs = [
        cover,
        Document(
            "opening",
            "opening.xhtml",
            book.title,
            render_template(
                "opening.xhtml",
                lang=lang,
                doc_title=book.title,
                book=book,
                lede=lede,
                panel=panel,
                page_marks=marks.at_start(OPENING) if marks else no_marks,
            ),
            toc_label=book.title,
        ),
    ]
    docs += [chapter_document(book, n, c, marks) for n, c in enumerate(book.chapters, 1)]
    return docs


def chapter_document(
    book: Book, number: int, chapter: Chapter, marks: PageMarks | None, level: int = 1
) -> Document:
    """Contribution ``number`` (1-based across the whole book) as its own document."""
    part = f"c{number}"
    return Document(
        f"chapter-{number:02d}",
        f"chapter-{number:02d}.xhtml",
        chapter.title,
        render_template(
            "chapter.xhtml",
            lang=book.language,
            doc_title=chapter.title,
            chapter=chapter,
            body=chapter_body(chapter, marks, part),
            notes=chapter_notes(chapter),
            page_marks=marks.at_start(part) if marks else Markup(""),
        ),
        toc_label=f"{chapter.panelist}：{chapter.title}",
        sections=chapter_sections(chapter),
        level=level,
    )


def chapter_notes(chapter: Chapter) -> list[tuple[str, str, Markup]]:
    return [(note.info, note_mark(int(note.info)), block_epub_html(note)) for note in chapter.notes]


def chapter_sections(chapter: Chapter) -> tuple[tuple[int, str, str], ...]:
    return tuple(
        (int(leaf.kind[1]), f"s{k}", plain_text_of(leaf))
        for k, leaf in enumerate((x for x in chapter.leaves() if x.kind in ("h2", "h3", "h4")), 1)
    )


def render_nav(book: Book, docs: list[Document], marks: PageMarks | None = None) -> Document:
    """The navigation document: contents (nested by ``Document.level``: a book of parts lists
    each part's contributions under its opening), landmarks and, with ``marks``, the page
    list."""
    xhtml = render_template(
        "nav.xhtml",
        lang=book.language,
        doc_title=label_of(book, "目录"),
        landmarks_title=label_of(book, "导览"),
        toc=toc_tree(docs),
        landmarks=landmarks_of(book, docs),
        page_list=marks.page_list() if marks else [],
        page_marks=marks.at_start(CONTENTS) if marks else Markup(""),
    )
    return Document("nav", "nav.xhtml", label_of(book, "目录"), xhtml)


def toc_tree(docs: list[Document]) -> list[dict[str, Any]]:
    """The contents' entries, each with its section headings and (a part's opening) the
    entries of the level below it."""
    toc: list[dict[str, Any]] = []
    parent: dict[str, Any] | None = None
    for d in docs:
        if not d.toc_label:
            continue
        entry = {
            "href": d.name,
            "label": d.toc_label,
            "sections": [
                {"level": level, "href": f"{d.name}#{anchor}", "label": label}
                for level, anchor, label in d.sections
            ],
            "children": [],
        }
        if d.level > 1 and parent is not None:
            parent["children"].append(entry)
        else:
            toc.append(entry)
            parent = entry
    return toc


def landmarks_of(book: Book, docs: list[Document]) -> list[dict[str, str]]:
    names = {d.uid: d.name for d in docs}

    def mark(kind: str, href: str, label: str) -> dict[str, str]:
        return {"type": kind, "href": href, "label": label_of(book, label)}

    if not book.parts:
        return [
            mark("cover", "cover.xhtml", "封面"),
            mark("toc", "nav.xhtml#toc", "目录"),
            mark("bodymatter", "opening.xhtml", "正文"),
            mark("colophon", "colophon.xhtml", "版权信息"),
        ]
    marks = [
        mark("cover", "cover.xhtml", "封面"),
        mark("titlepage", names["titlepage"], "书名页"),
        mark("toc", "nav.xhtml#toc", "目录"),
    ]
    if "preface" in names:
        marks.append(mark("preface", names["preface"], "前言"))
    marks.append(mark("bodymatter", names["part-01"], "正文"))
    marks.append(mark("index", names["index"], "人名索引"))
    marks.append(mark("colophon", "colophon.xhtml", "版权信息"))
    return marks


def colophon_rows(book: Book, identifier: str, faces: dict[str, Face]) -> list[dict[str, str]]:
    rows = [{"label": "书名", "value": book.title}]
    rows += _colophon_rest(book, identifier, faces)
    return [{**row, "label": label_of(book, row["label"])} for row in rows]


def _colophon_rest(book: Book, identifier: str, faces: dict[str, Face]) -> list[dict[str, str]]:
    rows = []
    if book.kicker:
        rows.append({"label": "引题", "value": book.kicker})
    if book.series:
        rows.append({"label": "栏目", "value": book.series})
    rows.append({"label": "嘉宾", "value": "、".join(book.panelists)})
    if book.moderators:
        # Every part's moderator, once each (a single-page book has at most its own).
        rows.append({"label": "主持人", "value": "、".join(book.moderators)})
    keys = (("publisher", "出版者"), ("date", "出版日期"), ("edition", "版次"), ("rights", "版权"))
    for key, label in keys:
        if book.meta.get(key) not in (None, ""):
            rows.append({"label": label, "value": str(book.meta[key])})
    rows.append({"label": "标识符", "value": identifier})
    used = []
    for family in ("serif", "sans", "kai"):
        names = sorted(
            {f"{f.family} {f.style}" for role, f in faces.items() if family_of(role) == family}
        )
        if names:
            used.append(f"{label_of(book, FACE_USE[family])}　{'、'.join(names)}")
    rows.append(
        {
            "label": "字体",
            "value": "；".join(used) + label_of(book, FONT_NOTE),
        }
    )
    rows.append({"label": "制作", "value": f"zhpress {__version__}"})
    return rows


def render_colophon(
    book: Book, identifier: str, faces: dict[str, Face], marks: PageMarks | None = None
) -> Document:
    rows = colophon_rows(book, identifier, faces)
    title = label_of(book, "版权信息")
    xhtml = render_template(
        "colophon.xhtml",
        lang=book.language,
        doc_title=title,
        rows=rows,
        page_marks=marks.at_start(COLOPHON) if marks else Markup(""),
    )
    return Document("colophon", "colophon.xhtml", title, xhtml, toc_label=title)
