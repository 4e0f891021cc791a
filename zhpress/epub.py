"""The EPUB 3 edition: one XHTML document per contribution, subset fonts, a rendered cover.

ebooklib 0.20 holds the book model and writes the OPF, the NCX and the zip. It has pitfalls
(found by testing 0.20, see issue 5); each workaround below says which one it fixes:

1. ``add_author`` gives every creator ``id="creator"``      -> metadata added by hand, unique ids
2. ``EpubHtml.get_content`` rebuilds the page, drops <head> -> ``_Document`` returns our XHTML
3. ``add_item(css)`` writes a link that breaks from text/   -> links written in our templates
4. ``set_cover`` makes an unlinked non-linear cover page    -> ``create_page=False``, own page
5. ``epub3_pages`` invents a page-list from nothing         -> own nav document, option off
6. media types guessed from the machine's mime table        -> every item's type set explicitly
7. zip timestamps and dcterms:modified follow the clock    -> ``_Writer`` writes the zip itself
   from SOURCE_DATE_EPOCH, mimetype first and stored
"""

from __future__ import annotations

import os
import re
import time
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ebooklib import epub
from lxml import etree
from markupsafe import Markup

from . import __version__
from .cjk import is_wide
from .errors import BookError, FontError
from .fonts import _NO_GLYPH, Face, missing_characters, narrow_marks, resolve_faces, subset_face
from .html import STYLES, environment, markdown_inline
from .manuscript import Book
from .westernspace import space_html

XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
OPS_FOLDER = "EPUB"

# Which face each element uses. The same table generates fonts.css and decides which
# characters go into which subset, so the CSS and the subsets cannot disagree. Selectors are
# a tag name or a .class; the nearest element (itself or an ancestor) that matches decides.
FAMILY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sans", ("h1", "h2", "h3", ".series", ".kicker", ".label")),
    ("kai", (".lede", ".byline", ".panel")),
)
DEFAULT_FAMILY = "serif"
# epub.css sets <em> in emphasis dots, "text-emphasis: filled dot", which is U+2022 drawn at
# half size by the element's own face; that face's subset needs the glyph. (Measured: the
# dot is small in Noto Serif CJK, 0.06 em; a filled circle, 0.44 em, touches the characters.)
EMPHASIS = ("em", "\u2022")
BOLD_SELECTORS = (
    *("h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "th"),  # bold in every browser
    *(".series", ".kicker", ".label"),
)
GENERIC = {"serif": "serif", "sans": "sans-serif", "kai": "serif"}
FACE_USE = {"serif": "正文", "sans": "标题", "kai": "导语、署名"}

FONT_NOTE = "。书中仅嵌入用到的字形，字体的版权与许可声明保留在字体文件中。"

ACCESSIBILITY_SUMMARY = (
    "本书为可重排的文字电子书，正文、标题与署名均为可选取、可朗读的文字，"
    "章节标题层级分明，附有目录与导览；封面图片附有文字说明。"
    "字体大小、行距与颜色可由阅读软件调整，无闪烁、声音或动态内容。"
)


@dataclass(frozen=True)
class Document:
    """One XHTML file of the book, as it will be stored."""

    uid: str
    name: str  # file name inside text/
    title: str
    xhtml: str
    toc_label: str | None = None

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


COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 "
    "独孤 南宫 西门 百里 呼延 万俟 澹台 公冶 宗政 濮阳 太叔 申屠 钟离 闻人 赫连 "
    "单于 第五 东郭 公羊 谷梁 左丘 拓跋 夹谷".split()
)
# Surnames whose reading differs from the character's most common one.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "尉": "yu",
    "乐": "yue",
    "盖": "ge",
    "覃": "qin",
    "缪": "miao",
    "冼": "xian",
    "万俟": "moqi",
    "尉迟": "yuchi",
    "单于": "chanyu",
}


def file_as(name: str) -> str:
    """Sort name in pinyin, surname first: 徐雨森 -> "Xu, Yusen"; non-Han names unchanged."""
    from .pinyin import syllables

    name = name.strip()
    if not name or not all(is_wide(ch) for ch in name) or len(name) < 2:
        return name
    split = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    surname, given = name[:split], name[split:]
    sur = SURNAME_READINGS.get(surname) or "".join(syllables(surname))
    giv = "".join(syllables(given))
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


def panel_rows(book: Book) -> list[dict[str, Any]]:
    rows = [{"label": "嘉宾", "names": list(book.panelists)}]
    if book.moderator:
        rows.append({"label": "主持人", "names": [book.moderator]})
    return rows


def cover_alt(book: Book) -> str:
    parts = []
    if book.series:
        parts.append(f"栏目“{book.series}”")
    if book.kicker:
        parts.append(f"引题“{book.kicker}”")
    parts.append(f"标题“{book.title}”")
    parts.append("嘉宾" + "、".join(book.panelists))
    if book.moderator:
        parts.append(f"主持人{book.moderator}")
    return "封面：" + "，".join(parts) + "。"


def _render(template: str, **context: Any) -> str:
    env = environment()
    env.filters["spaced"] = space_html  # {{ text | spaced }}: Han/Western spacing as markup
    return env.get_template(f"epub/{template}").render(**context)


def render_documents(book: Book, cover_href: str) -> list[Document]:
    """Cover page, opening page, contents, one document per contribution (colophon later)."""
    lang = book.language
    lede = [paragraph_html(b.text) for b in book.lede]
    panel = panel_rows(book)
    docs = [
        Document(
            "cover",
            "cover.xhtml",
            "封面",
            _render(
                "cover.xhtml",
                lang=lang,
                doc_title="封面",
                html_class="cover-page",
                cover_href=cover_href,
                cover_alt=cover_alt(book),
            ),
        ),
        Document(
            "opening",
            "opening.xhtml",
            book.title,
            _render(
                "opening.xhtml", lang=lang, doc_title=book.title, book=book, lede=lede, panel=panel
            ),
            toc_label=book.title,
        ),
    ]
    for number, chapter in enumerate(book.chapters, 1):
        docs.append(
            Document(
                f"chapter-{number:02d}",
                f"chapter-{number:02d}.xhtml",
                chapter.title,
                _render(
                    "chapter.xhtml",
                    lang=lang,
                    doc_title=chapter.title,
                    chapter=chapter,
                    paragraphs=[paragraph_html(b.text) for b in chapter.blocks],
                ),
                toc_label=f"{chapter.panelist}：{chapter.title}",
            )
        )
    return docs


def render_nav(book: Book, docs: list[Document]) -> Document:
    toc = [{"href": d.name, "label": d.toc_label} for d in docs if d.toc_label]
    landmarks = [
        {"type": "cover", "href": "cover.xhtml", "label": "封面"},
        {"type": "toc", "href": "nav.xhtml#toc", "label": "目录"},
        {"type": "bodymatter", "href": "opening.xhtml", "label": "正文"},
        {"type": "colophon", "href": "colophon.xhtml", "label": "版权信息"},
    ]
    xhtml = _render("nav.xhtml", lang=book.language, doc_title="目录", toc=toc, landmarks=landmarks)
    return Document("nav", "nav.xhtml", "目录", xhtml)


def colophon_rows(book: Book, identifier: str, faces: dict[str, Face]) -> list[dict[str, str]]:
    rows = [{"label": "书名", "value": book.title}]
    if book.kicker:
        rows.append({"label": "引题", "value": book.kicker})
    if book.series:
        rows.append({"label": "栏目", "value": book.series})
    rows.append({"label": "嘉宾", "value": "、".join(book.panelists)})
    if book.moderator:
        rows.append({"label": "主持人", "value": book.moderator})
    keys = (("publisher", "出版者"), ("date", "出版日期"), ("edition", "版次"), ("rights", "版权"))
    for key, label in keys:
        if book.meta.get(key) not in (None, ""):
            rows.append({"label": label, "value": str(book.meta[key])})
    rows.append({"label": "标识符", "value": identifier})
    used = []
    for family in ("serif", "sans", "kai"):
        names = sorted(
            {f"{f.family} {f.style}" for role, f in faces.items() if _family_of(role) == family}
        )
        if names:
            used.append(f"{FACE_USE[family]}　{'、'.join(names)}")
    rows.append(
        {
            "label": "字体",
            "value": "；".join(used) + FONT_NOTE,
        }
    )
    rows.append({"label": "制作", "value": f"zhpress {__version__}"})
    return rows


def render_colophon(book: Book, identifier: str, faces: dict[str, Face]) -> Document:
    rows = colophon_rows(book, identifier, faces)
    xhtml = _render("colophon.xhtml", lang=book.language, doc_title="版权信息", rows=rows)
    return Document("colophon", "colophon.xhtml", "版权信息", xhtml, toc_label="版权信息")


# --- Faces: which text needs which glyphs -------------------------------------------------


def _family_of(role: str) -> str:
    return role.removesuffix("-bold")


def _matches(selector: str, tag: str, classes: list[str]) -> bool:
    return selector[1:] in classes if selector.startswith(".") else selector == tag


def text_by_role(root: Any) -> dict[str, str]:
    """The rendered text of a document (its <body>), grouped by the face role that shows it."""
    found: dict[str, list[str]] = defaultdict(list)

    def visit(element: Any, family: str, bold: bool) -> None:
        if isinstance(element.tag, str):
            tag = etree.QName(element).localname
            classes = (element.get("class") or "").split()
            families = {
                fam for fam, sels in FAMILY_RULES if any(_matches(s, tag, classes) for s in sels)
            }
            if len(families) > 1:
                raise FontError(f"<{tag} class={classes}> matches faces {sorted(families)}")
            family = families.pop() if families else family
            bold = bold or any(_matches(s, tag, classes) for s in BOLD_SELECTORS)
            role = family + ("-bold" if bold else "")
            if tag == EMPHASIS[0]:
                found[role].append(EMPHASIS[1])
            if element.text:
                found[role].append(element.text)
            for child in element:
                visit(child, family, bold)
                if child.tail:
                    found[role].append(child.tail)

    body = root if etree.QName(root).localname == "body" else root.find(f"{{{XHTML_NS}}}body")
    if body is None:
        body = root.find("body")
    visit(body, DEFAULT_FAMILY, False)
    return {role: "".join(parts) for role, parts in found.items()}


def parse_xhtml(xhtml: str) -> Any:
    return etree.fromstring(xhtml.encode("utf-8"))


def glyph_text(documents: list[str]) -> dict[str, str]:
    """Characters per face role over every document (the cover is an image)."""
    roots = [parse_xhtml(x) for x in documents]
    merged: dict[str, set[str]] = defaultdict(set)
    for root in roots:
        for role, text in text_by_role(root).items():
            # Line breaks between elements are markup; a space in Latin text needs its glyph.
            merged[role].update(ch for ch in text if ch not in "\n\r\t")
    return {role: "".join(sorted(chars)) for role, chars in merged.items() if chars}


def with_safety_net(roles: dict[str, str], faces: dict[str, Face]) -> dict[str, str]:
    """Put every character the body face has into its subset too.

    Every font stack ends in the body face, so a character that a heading face somehow lacks
    (a later edit, a CSS rule the table above does not know) still renders in a book face,
    not in whatever the reading app substitutes. Costs a few glyphs: headings repeat body text.
    """
    everything = "".join(roles.values())
    net = set(everything) - set(missing_characters(faces[DEFAULT_FAMILY], everything))
    out = dict(roles)
    out[DEFAULT_FAMILY] = "".join(sorted(set(out.get(DEFAULT_FAMILY, "")) | net))
    return out


def route_narrow_marks(
    roles: dict[str, str], faces: dict[str, Face]
) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """Send marks a face draws narrow (but the body face full-width) to the body face.

    fonts.css leaves them out of that face's unicode-range, so the browser takes them from the
    next face in the stack, the body face; the subsets follow the same split.
    Returns the new text per role and the characters each role's @font-face leaves out.
    """
    out = {role: set(chars) for role, chars in roles.items()}
    left_out: dict[str, frozenset[str]] = {}
    body = faces[DEFAULT_FAMILY]
    for role, chars in sorted(roles.items()):
        if _family_of(role) == DEFAULT_FAMILY or role not in faces:
            continue
        moved = narrow_marks(faces[role], chars) - narrow_marks(body, chars)
        if moved:
            left_out[role] = frozenset(moved)
            out[role] -= moved
            target = DEFAULT_FAMILY + ("-bold" if role.endswith("-bold") else "")
            out.setdefault(target, set()).update(moved)
    return {r: "".join(sorted(c)) for r, c in out.items() if c}, left_out


def unicode_range(left_out: frozenset[str]) -> str:
    """A CSS unicode-range for every code point except ``left_out``."""
    ranges, start = [], 0
    for cp in sorted(ord(ch) for ch in left_out):
        if cp > start:
            ranges.append((start, cp - 1))
        start = cp + 1
    ranges.append((start, 0x10FFFF))
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in ranges)


def font_file(role: str) -> str:
    return f"fonts/{role}.otf"


def fonts_css(roles: list[str], left_out: dict[str, frozenset[str]] | None = None) -> str:
    """@font-face rules for the embedded subsets and the font stacks from FAMILY_RULES."""
    left_out = left_out or {}
    lines = ['@charset "utf-8";', "/* Generated by zhpress.epub from FAMILY_RULES. */", ""]
    for role in sorted(roles):
        weight = 700 if role.endswith("-bold") else 400
        lines += [
            "@font-face {",
            f'  font-family: "zhpress-{_family_of(role)}";',
            "  font-style: normal;",
            f"  font-weight: {weight};",
            f'  src: url("../{font_file(role)}") format("opentype");',
            *([f"  unicode-range: {unicode_range(left_out[role])};"] if role in left_out else []),
            "}",
            "",
        ]

    def stack(family: str) -> str:
        names = [f'"zhpress-{family}"']
        if family != DEFAULT_FAMILY:
            names.append(f'"zhpress-{DEFAULT_FAMILY}"')
        return ", ".join([*names, GENERIC[family]])

    lines += ["body {", f"  font-family: {stack(DEFAULT_FAMILY)};", "}", ""]
    for family, selectors in FAMILY_RULES:
        lines += [", ".join(selectors) + " {", f"  font-family: {stack(family)};", "}", ""]
    lines += [", ".join(BOLD_SELECTORS) + " {", "  font-weight: bold;", "}", ""]
    return "\n".join(lines)


def subsets_for(roles: dict[str, str], faces: dict[str, Face]) -> dict[str, bytes]:
    """One CFF subset per role, checked after the fact: every character has a glyph."""
    from io import BytesIO

    from fontTools.ttLib import TTFont

    out = {}
    for role, chars in sorted(roles.items()):
        if role not in faces:
            raise FontError(f"the styles use a '{role}' face, which is not configured")
        data = subset_face(faces[role], chars, cff=True)
        font = TTFont(BytesIO(data), lazy=True)
        cmap = font.getBestCmap()
        # Layout characters (zero-width space, joiners, BOM) are never cut into a subset.
        lost = [ch for ch in chars if ord(ch) not in cmap and ch not in _NO_GLYPH]
        if lost or font.sfntVersion != "OTTO":
            raise FontError(f"'{role}' subset lacks {lost!r} or is not CFF", path=faces[role].path)
        out[role] = data
    return out


# --- ebooklib, with its pitfalls fixed -----------------------------------------------------


class _Document(epub.EpubHtml):
    """Pitfall 2: EpubHtml.get_content() re-renders the page from ebooklib's own skeleton and
    drops our <head> (title, stylesheets). Our documents are complete XHTML already."""

    def get_content(self, default: bytes | None = None) -> bytes:
        return self.content


class _Nav(epub.EpubNav):
    """The nav document, rendered from templates/epub/nav.xhtml (see _Writer._get_nav)."""


class _DeterministicZip:
    """What ebooklib's writer needs of a ZipFile (``writestr``), with fixed entry metadata.

    Pitfall 7: ZipFile.writestr(name, ...) stamps each entry with the current local time.
    """

    def __init__(self, archive: zipfile.ZipFile, epoch: int) -> None:
        self.archive = archive
        moment = time.gmtime(max(epoch, 315532800))  # zip dates start in 1980
        self.date_time = tuple(moment[:6])

    def writestr(
        self, name: str, data: str | bytes, compress_type: int = zipfile.ZIP_DEFLATED
    ) -> None:
        info = zipfile.ZipInfo(name, date_time=self.date_time)  # type: ignore[arg-type]
        info.compress_type = compress_type
        info.create_system = 3  # Unix, whatever machine builds it
        info.external_attr = 0o100644 << 16
        if isinstance(data, str):
            data = data.encode("utf-8")
        level = 9 if compress_type == zipfile.ZIP_DEFLATED else None
        self.archive.writestr(info, data, compresslevel=level)


class _Writer(epub.EpubWriter):
    def __init__(self, name: str, book: epub.EpubBook, epoch: int, language: str) -> None:
        super().__init__(
            name,
            book,
            {
                "epub3_pages": False,  # pitfall 5: no invented page-list
                "epub3_landmark": False,  # landmarks are in our own nav document
                "epub2_guide": True,
                "play_order": {"enabled": True, "start_from": 1},
                "mtime": datetime.fromtimestamp(epoch, UTC),  # pitfall 7: dcterms:modified
                "raise_exceptions": True,
            },
        )
        self.epoch = epoch
        self.language = language

    def _write_opf_file(self, root: Any) -> None:
        # The package's language must match dc:language and every document (issue 5).
        root.set(XML_LANG, self.language)
        # ebooklib always declares 'rendition', a prefix EPUB 3 reserves (no declaration
        # needed) and one this book never uses; epubcheck accepts it, we keep the OPF minimal.
        root.attrib.pop("prefix", None)
        super()._write_opf_file(root)

    def _get_nav(self, item: Any) -> bytes:
        # Pitfall 5 and more: ebooklib's generated nav has an English "Guide" heading, visible
        # landmarks and no stylesheet. Ours is rendered from the templates.
        return item.content

    def _get_ncx(self) -> bytes:
        ncx = etree.fromstring(super()._get_ncx())
        ncx.set(XML_LANG, self.language)
        for meta in ncx.iter("{http://www.daisy.org/z3986/2005/ncx/}meta"):
            if meta.get("name") == "dtb:depth":
                meta.set("content", "1")  # a flat navMap is one level deep, not zero
        return etree.tostring(ncx, encoding="utf-8", xml_declaration=True, pretty_print=True)

    def write(self) -> None:
        with zipfile.ZipFile(self.file_name, "w") as archive:
            self.out = _DeterministicZip(archive, self.epoch)
            # OCF: 'mimetype' first, stored, no extra field.
            self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
            self._write_container()
            self._write_opf()
            self._write_items()


def _meta(eb: epub.EpubBook, prop: str, value: str, refines: str | None = None, **attrs: str):
    others = {"property": prop, **attrs}
    if refines:
        others = {"refines": f"#{refines}", **others}
    eb.add_metadata(None, "meta", value, others)


def _metadata(eb: epub.EpubBook, book: Book, identifier: str) -> None:
    # dc:identifier: ebooklib starts every book with a random uuid4; replace it.
    eb.IDENTIFIER_ID = "pub-id"
    eb.set_identifier(identifier)
    eb.title = book.title  # used for the NCX docTitle
    # One dc:title, the headline. The overline (引题) is no title: stored as a second
    # dc:title, calibre and the stores joined them, "headline: overline" (issue 15). It stays
    # in the text (opening page, colophon).
    eb.add_metadata("DC", "title", book.title, {"id": "title"})
    eb.set_language(book.language)
    # Pitfall 1: add_author() gives every creator id="creator" (and puts a MARC scheme on
    # file-as); each panelist gets its own id, role and pinyin sort name here.
    for number, name in enumerate(book.panelists, 1):
        uid = f"creator-{number:02d}"
        eb.add_metadata("DC", "creator", name, {"id": uid})
        _meta(eb, "role", "aut", refines=uid, scheme="marc:relators")
        _meta(eb, "file-as", file_as(name), refines=uid)
        _meta(eb, "display-seq", str(number), refines=uid)
    if book.moderator:
        eb.add_metadata("DC", "contributor", book.moderator, {"id": "moderator"})
        _meta(eb, "role", "mod", refines="moderator", scheme="marc:relators")
        _meta(eb, "file-as", file_as(book.moderator), refines="moderator")
    if book.lede:
        description = "\n".join(plain_text(b.text) for b in book.lede)
        eb.add_metadata("DC", "description", description)
    publisher = book.meta.get("publisher")
    if publisher not in (None, ""):
        eb.add_metadata("DC", "publisher", str(publisher).strip())
    when = publication_date(book)
    if when:
        eb.add_metadata("DC", "date", when)
    if book.meta.get("rights") not in (None, ""):
        eb.add_metadata("DC", "rights", str(book.meta["rights"]).strip())
    if book.series:
        _meta(eb, "belongs-to-collection", book.series, id="series")
        _meta(eb, "collection-type", "series", refines="series")
    # Accessibility (EPUB Accessibility 1.1, schema.org vocabulary).
    for mode in ("textual", "visual"):
        _meta(eb, "schema:accessMode", mode)
    _meta(eb, "schema:accessModeSufficient", "textual")
    for feature in (
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "alternativeText",
        "displayTransformability",
    ):
        _meta(eb, "schema:accessibilityFeature", feature)
    _meta(eb, "schema:accessibilityHazard", "none")
    _meta(eb, "schema:accessibilitySummary", ACCESSIBILITY_SUMMARY)
    _meta(eb, "dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA")
    certifier = str(publisher).strip() if publisher not in (None, "") else "zhpress"
    _meta(eb, "a11y:certifiedBy", certifier)


def _item(uid: str, name: str, media_type: str, content: bytes, **kw: Any) -> epub.EpubItem:
    # Pitfall 6: with media_type="" ebooklib asks the machine's mimetypes table.
    return epub.EpubItem(uid=uid, file_name=name, media_type=media_type, content=content, **kw)


# --- The edition --------------------------------------------------------------------------

COVER_HREF = "images/cover.png"


def write_epub(book: Book, path: Path, progress: Callable[[str], None] | None = None) -> None:
    """Write the EPUB edition of ``book`` to ``path`` (the pipeline renames it into place).
    ``progress`` is told the name of each stage as it starts."""
    from .covertype import render_type_cover

    step = progress or (lambda stage: None)
    step("documents")

    epoch = source_date(book)
    publication_date(book)  # bad input fails before any slow work
    identifier = book_identifier(book)
    faces = resolve_faces(book.meta.get("fonts"), book.root, book.yaml_path)
    docs = render_documents(book, COVER_HREF)
    # The colophon names the faces in use, which depend on the documents; two rounds settle it.
    colophon = render_colophon(book, identifier, faces)
    nav = render_nav(book, [*docs, colophon])
    for _ in range(2):
        texts = [d.xhtml for d in [*docs, nav, colophon]]
        roles, left_out = route_narrow_marks(glyph_text(texts), faces)
        roles = with_safety_net(roles, faces)
        used = {role: faces[role] for role in roles if role in faces}
        colophon = render_colophon(book, identifier, used)
    step("fonts")
    subsets = subsets_for(roles, faces)
    css = fonts_css(list(subsets), left_out)
    step("cover")
    cover_png = render_type_cover(book)

    step("package")
    eb = epub.EpubBook()
    eb.FOLDER_NAME = OPS_FOLDER
    _metadata(eb, book, identifier)
    # Pitfall 4: set_cover() would add an unlinked, non-linear cover page (OPF-096).
    eb.set_cover(COVER_HREF, cover_png, create_page=False)
    eb.get_item_with_id("cover-img").media_type = "image/png"  # pitfall 6
    eb.add_item(_item("css-fonts", "styles/fonts.css", "text/css", css.encode("utf-8")))
    eb.add_item(
        _item("css-epub", "styles/epub.css", "text/css", (STYLES / "epub.css").read_bytes())
    )
    for role, data in subsets.items():
        eb.add_item(_item(f"font-{role}", font_file(role), "font/otf", data))
    eb.add_item(
        _item(
            "ibooks-options",
            "META-INF/com.apple.ibooks.display-options.xml",
            "application/xml",
            _render("ibooks-display-options.xml").encode("utf-8"),
            manifest=False,  # lives beside container.xml, outside the package
        )
    )
    items = {}
    for doc in [*docs, colophon]:
        item = _Document(
            uid=doc.uid, file_name=doc.href, media_type="application/xhtml+xml", title=doc.title
        )
        item.content = doc.xhtml.encode("utf-8")
        items[doc.uid] = eb.add_item(item)
    nav_item = _Nav(uid="nav", file_name=nav.href, title=nav.title)
    nav_item.content = nav.xhtml.encode("utf-8")
    eb.add_item(nav_item)
    eb.add_item(epub.EpubNcx())
    order = ["cover", "opening", "nav"] + [d.uid for d in docs[2:]] + ["colophon"]
    eb.spine = [nav_item if uid == "nav" else items[uid] for uid in order]
    eb.toc = [
        epub.Link(d.href, d.toc_label, f"toc-{d.uid}") for d in [*docs, colophon] if d.toc_label
    ]
    eb.guide = [
        {"type": "cover", "href": "text/cover.xhtml", "title": "封面"},
        {"type": "toc", "href": "text/nav.xhtml", "title": "目录"},
        {"type": "text", "href": "text/opening.xhtml", "title": "正文"},
    ]
    writer = _Writer(str(path), eb, epoch, book.language)
    writer.process()
    writer.write()
