"""The print editions: a reader PDF and a press-ready PDF/X-4, both from one composed book.

The page is designed in templates/print/ and styles/print.css. This module fills the
templates with the composed book (``typeset.composed_book``: the faces as exact subset files,
every line already broken and justified) as the book's parts, says what WeasyPrint may read,
and hands the parts to ``pdfwrite``, which lays them out and writes the file.
"""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from markupsafe import Markup, escape

from .. import __version__
from ..errors import BookError
from ..manuscript.markdown import IMAGE_MARK, note_mark
from ..manuscript.model import Block, Book, Chapter
from ..manuscript.where import yaml_line
from ..typeset.composed_book import composed
from ..typeset.geometry import geometry_of
from ..typeset.plan import NESTED_EM, Plan, colophon_lines, labels_of, plan_book
from .images import FIGURE_MAX_HEIGHT, Picture, chapter_images, fitted, picture, press_copy
from .pagemap import map_key
from .pdfwrite import COVER
from .templates import environment

BLEED_MM = 3.0
DEFAULT_ICC = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
ICC_PACKAGE = "libgs-common"


def source_date(book: Book) -> int:
    """SOURCE_DATE_EPOCH, else the newest manuscript file: the same input, the same dates."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value and value.strip().isdigit():
        return int(value)
    paths = [book.yaml_path, *(c.path for c in book.chapters)]
    paths += [part.yaml_path for part in book.parts]
    paths += [book.preface.path] if book.preface is not None else []
    return max(int(p.stat().st_mtime) for p in paths)


def _w3c(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


Section = tuple[str, str]


def render_sections(book: Book, press: bool) -> list[Section]:
    """The book's parts as HTML pages of their own, in order: ``("meta", …)`` (only a head,
    with the PDF's metadata), ``("front", …)`` (opening page and contents), one
    ``(chapter id, …)`` per contribution, ``("back", …)`` (colophon). ``pdfwrite`` lays each
    out as a document and joins the pages: a contribution opens a new page anyway, and an
    edit then re-lays out only the part it touched."""
    context, _ = _page_context(book, press)
    template = environment().get_template("print/book.html.j2")
    parts = ["meta", "front", *_body_parts(book, context), "back"]
    sections = [(part, template.render(part=part, **context)) for part in parts]
    if not press and wants_cover(book):
        sections.insert(1, (COVER, cover_section(book)))
    return sections


def _body_parts(book: Book, context: dict[str, Any]) -> list[str]:
    """The parts between the contents and the colophon: the contributions; in a book of
    several pages also the preface, each page's opening before its contributions, and the
    panelist index."""
    ids = [c["id"] for c in context["chapters"]]
    if not book.parts:
        return ids
    out = ["preface"] if book.preface is not None else []
    for part in context["parts"]:
        out += [part["id"], *(c["id"] for c in part["chapters"])]
    return [*out, "index"]


def wants_cover(book: Book) -> bool:
    """``cover: true`` in book.yaml: the reader PDF opens with the typographic cover.

    Only on request, and only the reader: the press edition is the book block a print shop
    binds (its cover is a separate job, with a spine and another stock), and the reader's
    pages are the print edition the EPUB's page list cites, so a cover is an unnumbered page
    before page 1 that an existing book does not get unasked."""
    value = book.meta.get("cover", False)
    if not isinstance(value, bool):
        raise BookError(
            f"'cover' must be true or false, not {value!r}",
            path=book.yaml_path,
            line=yaml_line(book, "cover"),
        )
    return value


def cover_section(book: Book) -> str:
    """The cover template (the EPUB cover's design) as the reader's first page: WeasyPrint
    sets it as text and vectors, never the EPUB's raster; ``pdfwrite`` scales it to the
    trim's height."""
    from .covertype import PAGE_MM, cover_html, cover_subsets
    from .templates import STYLES

    height = geometry_of(book).trim.height_mm
    scale = height / PAGE_MM[1]
    # The cover's faces are subsets of their own: under the book's family names WeasyPrint
    # would write the cover's glyphs and the book's as one font, and the book's text would
    # show the cover subset's glyphs ("济" printed as "珍"). So the families are renamed.
    faces = [
        {**f, "family": "zhpress-cover-" + f["family"].removeprefix("zhpress-")}
        for f in cover_subsets(book)
    ]
    css = (STYLES / "cover.css").read_text(encoding="utf-8").replace(FAMILY, COVER_FAMILY)
    # The cover at the trim's height, its headline no second bookmark.
    page = (
        f"<style>\n{css}\n"
        f"@page {{ size: {PAGE_MM[0] * scale:.3f}mm {height:.3f}mm; margin: 0; }}\n"
        f"body {{ transform: scale({scale:.5f}); transform-origin: 0 0; }}\n"
        f"h1 {{ bookmark-level: none; }}\n</style>\n</head>"
    )
    return cover_html(book, faces).replace("</head>", page, 1)


FAMILY, COVER_FAMILY = '"zhpress-', '"zhpress-cover-'


def render_html(book: Book, press: bool, part: str = "front") -> tuple[str, Plan]:
    """One part of the print book (see ``render_sections``): the opening pages by default."""
    context, plan = _page_context(book, press)
    html = environment().get_template("print/book.html.j2").render(part=part, **context)
    return html, plan


def _page_context(book: Book, press: bool) -> tuple[dict[str, Any], Plan]:
    plan = plan_book(book)
    result = composed(book, plan)
    g = plan.geometry
    faces = [
        {"family": f"zhpress-{role}", "url": path.resolve().as_uri()}
        for role, path in sorted(result.font_files.items())
    ]
    chapters = [
        {
            "id": f"c{c + 1}",
            "title": result.html[f"c{c}-title"],
            "title_text": chapter.title,
            "panelist": result.html[f"c{c}-panelist"],
            "panelist_text": chapter.panelist,
            "toc_title": result.html[f"c{c}-toc-title"],
            "panel_title": result.html[f"c{c}-panel-title"],
            "body": chapter_body(chapter, c, result.html, plan, press),
            "sections": section_heads(chapter, c, result.html),
        }
        for c, chapter in enumerate(book.chapters)
    ]
    if book.parts:
        for c, chapter in enumerate(book.chapters):
            part = book.part_of(c)
            chapters[c]["running"] = part.title if part else chapter.title
    lede_text = " ".join(b.text for b in book.lede)
    context = dict(
        book=book,
        press=press,
        g=g,
        pt=lambda v: f"{v:.3f}pt",
        bleed=f"{BLEED_MM}mm",
        faces=faces,
        icc=_icc_url(book) if press else None,
        kicker=result.html.get("kicker"),
        headline=result.html["headline"],
        headline_size=plan.pieces["headline"].size,
        series=result.html.get("series"),
        moderator=result.html.get("moderator"),
        lede=[result.html[f"lede-{n}"] for n in range(len(book.lede))],
        chapters=chapters,
        labels=labels_of(book),
        colophon=[
            (label, result.html[f"colophon-{n}"])
            for n, (label, _) in enumerate(colophon_lines(plan))
        ],
        authors=list(book.panelists),
        subject=lede_text or book.title,
        keywords=[k for k in (book.series, book.kicker) if k],
        generator=f"zhpress {__version__}",
        date=_w3c(source_date(book)),
        page_map=None if press else map_key(book.root),
        parts=[],
    )
    if book.parts:
        context.update(_parts_context(book, chapters, result.html, plan, press))
    return context, plan


def _parts_context(
    book: Book, chapters: list[dict[str, Any]], html: dict[str, Markup], plan: Plan, press: bool
) -> dict[str, Any]:
    """A book of several pages: its parts' openings, the preface and the panelist index."""
    parts = [
        {
            "id": f"o{k + 1}",
            "title_text": part.title,
            "kicker": html.get(f"p{k}-kicker"),
            "headline": html[f"p{k}-headline"],
            "headline_size": plan.pieces[f"p{k}-headline"].size,
            "series": html.get(f"p{k}-series"),
            "moderator": html.get(f"p{k}-moderator"),
            "lede": [html[f"p{k}-lede-{n}"] for n in range(len(part.lede))],
            "toc_title": html[f"p{k}-toc-title"],
            "chapters": [chapters[c] for c in part.indices],
        }
        for k, part in enumerate(book.parts)
    ]
    preface = None
    if book.preface is not None:
        preface = {
            "id": "preface",
            "title": html["pre-title"],
            "title_text": book.preface.title,
            "panelist": html.get("pre-panelist"),
            "toc_title": html["pre-toc-title"],
            "body": chapter_body(book.preface, -1, html, plan, press, prefix="pre"),
        }
    from ..manuscript.name_index import name_index

    letters: list[dict[str, Any]] = []
    n = 0
    for group in name_index(book):
        names = []
        for entry in group.entries:
            places = [
                {
                    "id": parts[place.part_number - 1]["id"]
                    if place.moderated
                    else chapters[place.chapter_number - 1]["id"],
                    "part": parts[place.part_number - 1]["toc_title"],
                    "moderated": place.moderated,
                }
                for place in entry.places
            ]
            names.append({"name": html[f"ix-name-{n}"], "places": places})
            n += 1
        letters.append({"letter": group.letter, "names": names})
    return {
        "parts": parts,
        "preface": preface,
        "index": letters,
        "index_toc": html["ix-toc-title"],
        "publisher": book.meta.get("publisher") or None,
    }


def chapter_body(
    chapter: Chapter,
    c: int,
    html: dict[str, Markup],
    plan: Plan,
    press: bool,
    prefix: str | None = None,
) -> Markup:
    """A contribution's blocks as HTML around their composed lines: paragraphs, headings,
    quotes, lists, 三线表, figures, section breaks; each footnote right after its call (where
    WeasyPrint's ``float: footnote`` takes it to the foot of the page)."""
    g = plan.geometry
    key = prefix or f"c{c}"
    anchor_id = prefix or chapter_id(c)
    leaves = iter(range(len(chapter.leaves())))
    images = iter(chapter_images(chapter))
    icc = Path(url2pathname(urlsplit(_icc_url(plan.book)).path)) if press else None
    size = g.size

    def src(target: str, block: Block) -> tuple[str, Picture]:
        found = picture(plan.book, target, chapter.path, block.line)
        if icc is None:
            return escape(found.path.resolve().as_uri()), found
        # The press's copy as a data: URL: WeasyPrint names an image by its URL, and a path
        # in the cache would make the file differ with the cache's place.
        data = base64.b64encode(press_copy(found.path, icc).read_bytes()).decode("ascii")
        return f"data:image/jpeg;base64,{data}", found

    def with_images(text: Markup) -> str:
        out = str(text)
        while IMAGE_MARK in out:
            block, target, alt = next(images)
            url, _ = src(target, block)
            tag = f'<img class="inline" src="{url}" alt="{escape(alt)}"/>'
            out = out.replace(IMAGE_MARK, tag, 1)
        return out

    last = [-1]  # the leaf just set: its element carries data-block for the page map

    def leaf() -> str:
        last[0] = next(leaves)
        return with_images(html[f"{key}-b{last[0]}"])

    sections = iter(range(1, 10_000))

    def walk(block: Block, inset: float, mark: str = "") -> str:
        kind = block.kind
        if kind == "p":
            hang = f'<span class="li-mark">{mark}</span>' if mark else ""
            text = leaf()
            return f'<p class="body" data-block="{last[0]}">{hang}{text}</p>'
        if kind in ("h2", "h3", "h4"):
            anchor = f"{anchor_id}-s{next(sections)}"
            text = leaf()
            return (
                f'<{kind} class="section" id="{anchor}" data-label="{escape(plain(block))}" '
                f'data-block="{last[0]}">{text}</{kind}>'
            )
        if kind == "hr":
            # Three small diamonds, drawn: an ornament is no text (the text layer is the
            # manuscript's).
            return '<div class="ornament" role="separator"><i></i><i></i><i></i></div>'
        if kind == "quote":
            inner = "".join(walk(child, inset + NESTED_EM * size) for child in block.children)
            return f"<blockquote>{inner}</blockquote>"
        if kind in ("ol", "ul"):
            start = f' start="{block.info}"' if kind == "ol" and block.info != "1" else ""
            items = "".join(
                "<li>"
                + "".join(
                    walk(ch, inset + NESTED_EM * size, list_mark(block, n) if not k else "")
                    for k, ch in enumerate(item.children)
                )
                + "</li>"
                for n, item in enumerate(block.children)
            )
            return f"<{kind}{start}>{items}</{kind}>"
        if kind == "table":
            return _table(block, lambda: (leaf(), last[0]))
        if kind == "figure":
            block_, target, alt = next(images)
            url, found = src(target, block_)
            width, height = fitted(
                found.pixels, g.measure - inset, g.text_height * FIGURE_MAX_HEIGHT
            )
            caption = leaf()
            return (
                f'<figure><img src="{url}" alt="{escape(alt)}" '
                f'style="width:{width:.2f}pt;height:{height:.2f}pt"/>'
                f'<figcaption data-block="{last[0]}">{caption}</figcaption></figure>'
            )
        return ""

    body = "".join(walk(block, 0.0) for block in chapter.blocks)
    notes = {
        note_mark(int(note.info)): (
            f'<span class="footnote" id="{anchor_id}-note-{note.info}">'
            f'<span class="fn-mark">{note_mark(int(note.info))}</span>'
            f"{with_images(html[f'{key}-n{n}'])}</span>"
        )
        for n, note in enumerate(chapter.notes)
    }

    def call(match: re.Match[str]) -> str:
        out = match.group(0)
        for mark in [ch for ch in match.group(0) if ch in notes]:
            out += notes.pop(mark)
        return out

    return Markup(_CALL.sub(call, body))


_CALL = re.compile(r'<span class="f-note-call">(?:<span[^>]*>[^<]*</span>|[^<])*</span>')


def _table(block: Block, leaf: Callable[[], tuple[str, int]]) -> str:
    """A 三线表: a heavy rule above, a light one under the head, a heavy one below. Each
    cell carries its leaf's index (data-block), so a page that begins inside the table is
    found in the page map."""
    head, body = [], []
    for row in block.children:
        row_cells = []
        for cell in row.children:
            text, index = leaf()
            row_cells.append(
                f'<{cell.kind} class="{cell.info or "left"}">'
                f'<p data-block="{index}">{text}</p></{cell.kind}>'
            )
        cells = "".join(row_cells)
        (head if row.info == "head" else body).append(f"<tr>{cells}</tr>")
    return (
        f'<table class="three-line"><thead>{"".join(head)}</thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def list_mark(block: Block, n: int) -> str:
    """The marker of item ``n`` of a list: its number (from the list's start) or a bullet."""
    from ..manuscript.markdown import list_marker

    return list_marker(block, n)


def chapter_id(c: int) -> str:
    return f"c{c + 1}"


def plain(block: Block) -> str:
    from ..manuscript.markdown import visible_text

    return visible_text(block.text, block.inline)


def section_heads(chapter: Chapter, c: int, html: dict[str, Markup]) -> list[dict[str, Any]]:
    """The contribution's section headings, for the contents at their level."""
    heads = [leaf for leaf in chapter.leaves() if leaf.kind in ("h2", "h3", "h4")]
    return [
        {
            "level": int(leaf.kind[1]),
            "id": f"{chapter_id(c)}-s{k}",
            "toc": html[f"c{c}-toc-s{k}"],
        }
        for k, leaf in enumerate(heads, 1)
    ]


def _icc_url(book: Book) -> str:
    """The CMYK output profile: ``press: icc:`` in book.yaml (inside the book), else the
    Ghostscript default CMYK profile from Debian's libgs-common."""
    press = book.meta.get("press") or {}
    given = press.get("icc") if isinstance(press, dict) else None
    if given:
        from ..manuscript.load import resolve_inside

        path = resolve_inside(
            book.root,
            str(given),
            what="ICC profile",
            path=book.yaml_path,
            line=yaml_line(book, "press"),
        )
        if not path.is_file():
            raise BookError(f"ICC profile '{given}' does not exist", path=book.yaml_path)
    else:
        path = DEFAULT_ICC
        if not path.is_file():
            raise BookError(
                f"the CMYK output profile {path} is missing",
                hint=f"install it with 'apt-get install {ICC_PACKAGE}' (or 'make book')",
            )
    return path.as_uri()


Progress = Callable[[str], None] | None


def fetch_roots(book: Book, press: bool) -> tuple[Path, ...]:
    """What WeasyPrint may read: the book, the project's templates and styles, the font
    subsets it is given and the press profile; never the network, never another file."""
    from ..cache import cache_root
    from . import pdfwrite
    from .templates import TEMPLATES

    roots = [book.root, TEMPLATES, pdfwrite.STYLES, cache_root() / "subsets"]
    if press:
        roots.append(Path(url2pathname(urlsplit(_icc_url(book)).path)))
    return tuple(roots)


def _write(book: Book, path: Path, press: bool, progress: Progress = None) -> None:
    step = progress or (lambda stage: None)
    step("compose")
    sections = render_sections(book, press)
    from .pdfwrite import write_sections

    write_sections(sections, path, press, fetch_roots(book, press), step)


def write_reader(book: Book, path: Path, progress: Progress = None) -> None:
    """Reader edition: bookmarks, linked contents, metadata, tagged, searchable text."""
    _write(book, path, press=False, progress=progress)


def write_press(book: Book, path: Path, progress: Progress = None) -> None:
    """Press edition: 3 mm bleed, crop marks, PDF/X-4 with a CMYK output intent, 100% K."""
    _write(book, path, press=True, progress=progress)
