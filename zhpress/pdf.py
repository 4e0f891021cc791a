"""The print editions: a reader PDF and a press-ready PDF/X-4, both from one composed book.

The page is designed in templates/print/ and styles/print.css; this module supplies what CSS
cannot: the trim and the text block on a whole-character grid, the faces as exact subset
files, and every line of text already broken and justified by ``compose``.
"""

from __future__ import annotations

import os
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from markupsafe import Markup

from . import __version__, compose, widegap
from .errors import BookError, FontError
from .fonts import Face, Shaper, missing_characters, resolve_faces, subset_file
from .html import environment, lines_html, runs_from_markdown
from .manuscript import Book

MM = 72 / 25.4
BODY_SIZE = 10.5  # 五号
LEADING = BODY_SIZE * 5 / 3  # 17.5 pt line pitch
INDENT_EM = 2
BLEED_MM = 3.0
DEFAULT_ICC = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
ICC_PACKAGE = "libgs-common"


@dataclass(frozen=True)
class Trim:
    name: str
    width_mm: float
    height_mm: float
    chars: int
    """Characters per line at the body size: the measure is a whole number of characters."""
    lines: int
    """Lines per page."""


TRIMS = {
    "A5": Trim("A5", 148, 210, 28, 27),
    "32开": Trim("32开", 130, 184, 25, 23),
    "16开": Trim("16开", 185, 260, 36, 35),
}
TRIM_ALIASES = {"a5": "A5", "32k": "32开", "32开": "32开", "16k": "16开", "16开": "16开"}


@dataclass(frozen=True)
class Geometry:
    """The page in pt: trim, text block, and margins (inner/outer mirror on facing pages)."""

    trim: Trim
    size: float = BODY_SIZE
    leading: float = LEADING

    @property
    def width(self) -> float:
        return self.trim.width_mm * MM

    @property
    def height(self) -> float:
        return self.trim.height_mm * MM

    @property
    def measure(self) -> float:
        return self.trim.chars * self.size

    @property
    def text_height(self) -> float:
        return self.trim.lines * self.leading

    @property
    def inner(self) -> float:
        return (self.width - self.measure) * 0.45

    @property
    def outer(self) -> float:
        return self.width - self.measure - self.inner

    @property
    def top(self) -> float:
        return (self.height - self.text_height) * 0.42

    @property
    def bottom(self) -> float:
        return self.height - self.text_height - self.top

    def frame(self, page_index: int) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the text block on a page, from the trim's top left.
        The first page is a recto (right-hand page): its inner margin is on the left."""
        left = self.inner if page_index % 2 == 0 else self.outer
        return (left, self.top, left + self.measure, self.top + self.text_height)


def geometry_of(book: Book) -> Geometry:
    value = book.meta.get("trim", "A5")
    key = TRIM_ALIASES.get(str(value).strip().lower()) or TRIM_ALIASES.get(str(value).strip())
    if key is None:
        raise BookError(
            f"unknown trim '{value}'; use one of: A5, 32开, 16开",
            path=book.yaml_path,
            line=_yaml_line(book, "trim"),
        )
    return Geometry(TRIMS[key])


def _yaml_line(book: Book, key: str) -> int | None:
    try:
        text = book.yaml_path.read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


# --- What is set, in which face -------------------------------------------------------------


@dataclass
class Piece:
    """One block of visible text: its runs, where it comes from, and how it is set."""

    runs: list[tuple[str, str]]
    size: float
    mode: str  # "justify" (paragraphs) | "balance" (headings) | "ragged"
    where: str  # "chapter.md:12", for the missing-glyph error
    indent: float = 0.0
    measure: float | None = None
    role: str = ""
    """The face the element's style sets (its runs may change it); "" for the first run's."""

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.runs)


@dataclass
class Plan:
    """Everything the templates print, with the characters each face must carry."""

    book: Book
    geometry: Geometry
    faces: dict[str, Face]
    pieces: dict[str, Piece] = field(default_factory=dict)
    extra_chars: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, key: str, piece: Piece) -> str:
        self.pieces[key] = piece
        return key

    def need(self, role: str, text: str) -> None:
        """Text the CSS prints in ``role`` (running heads, folios, labels)."""
        self.extra_chars[role].update(text)


LABELS = {
    "toc": "目录",
    "moderator": "主持人",
    "panel": "本期嘉宾",
    "title": "书名",
    "series": "栏目",
    "contributors": "作者",
    "moderated": "主持",
    "publisher": "出版",
    "edition": "版次",
    "date": "日期",
    "trim": "开本",
    "fonts": "字体",
    "body_font": "正文",
    "head_font": "标题",
    "kai_font": "导语、署名",
}
DIGITS = "0123456789"
COLOPHON_SIZE = 9.0


def _front_matter_line(path: Path, key: str) -> int | None:
    """The line of ``key:`` in a chapter's front matter, for an error an editor can follow."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except OSError:
        return None
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return None
        if re.match(rf"{re.escape(key)}\s*:", line):
            return number
    return None


def _where(path: Path, line: int | None) -> str:
    return f"{path.name}:{line}" if line else path.name


HEADLINE_MAX, HEADLINE_MIN = 21.0, 16.0


def headline_size(title: str, measure: float) -> float:
    """The headline on one line when it can be, in half points between 16 and 21 pt; a longer
    one wraps into balanced lines at 16 pt."""
    from .cjk import display_width

    fit = int(measure / max(display_width(title), 1) * 2) / 2
    return max(HEADLINE_MIN, min(HEADLINE_MAX, fit))


def plan_book(book: Book) -> Plan:
    geometry = geometry_of(book)
    faces = resolve_faces(book.meta.get("fonts"), book.root, book.yaml_path)
    plan = Plan(book, geometry, faces)
    size = geometry.size
    yaml = book.yaml_path
    measure = geometry.measure

    def text_piece(key, text, role, psize, mode, where, **kw):
        plan.add(key, Piece([(text, role)], psize, mode, where, **kw))

    if book.kicker:
        text_piece(
            "kicker", book.kicker, "kai", 14, "balance", _where(yaml, _yaml_line(book, "kicker"))
        )
    text_piece(
        "headline",
        book.title,
        "sans-bold",
        headline_size(book.title, measure),
        "balance",
        _where(yaml, _yaml_line(book, "title")),
    )
    if book.series:
        text_piece(
            "series", book.series, "sans", size, "ragged", _where(yaml, _yaml_line(book, "series"))
        )
    if book.moderator:
        text_piece(
            "moderator",
            book.moderator,
            "kai",
            size,
            "ragged",
            _where(yaml, _yaml_line(book, "moderator")),
        )
    for n, block in enumerate(book.lede):
        plan.add(
            f"lede-{n}",
            Piece(
                runs_from_markdown(block.text, "kai"),
                size,
                "justify",
                _where(yaml, block.line),
                indent=INDENT_EM * size,
                role="kai",
            ),
        )
    for c, chapter in enumerate(book.chapters):
        where = _where(chapter.path, _front_matter_line(chapter.path, "title"))
        who = _where(chapter.path, _front_matter_line(chapter.path, "panelist"))
        text_piece(f"c{c}-title", chapter.title, "sans-bold", 15, "balance", where)
        text_piece(f"c{c}-panelist", chapter.panelist, "kai", 12, "ragged", who)
        text_piece(
            f"c{c}-toc-title",
            chapter.title,
            "serif",
            size,
            "ragged",
            where,
            measure=measure - 8 * size,
        )
        text_piece(
            f"c{c}-panel-title",
            chapter.title,
            "serif",
            size,
            "ragged",
            where,
            measure=measure - 5 * size,
        )
        plan.need("kai", chapter.panelist)
        plan.need("serif", chapter.title)  # running head of its pages
        for b, block in enumerate(chapter.blocks):
            plan.add(
                f"c{c}-b{b}",
                Piece(
                    runs_from_markdown(block.text, "serif"),
                    size,
                    "justify",
                    _where(chapter.path, block.line),
                    indent=INDENT_EM * size,
                    role="serif",
                ),
            )
    plan.need("serif", book.title)
    plan.need("serif", DIGITS + ".·" + QUOTES)
    for label in LABELS.values():
        plan.need("sans", label + "：")
        plan.need("sans-bold", label)
    plan.need("serif", DIGITS)
    for n, (_, value) in enumerate(colophon_lines(plan)):
        text_piece(
            f"colophon-{n}",
            value,
            "serif",
            COLOPHON_SIZE,
            "ragged",
            _where(yaml, None),
            measure=measure - 6 * COLOPHON_SIZE,
        )
    return plan


def colophon_lines(plan: Plan) -> list[tuple[str, str]]:
    """(label, value) lines of the 版权页; values that are book data go in the serif face."""
    book, faces = plan.book, plan.faces
    lines = [(LABELS["title"], book.title)]
    if book.series:
        lines.append((LABELS["series"], book.series))
    lines.append((LABELS["contributors"], "　".join(book.panelists)))
    if book.moderator:
        lines.append((LABELS["moderated"], book.moderator))
    for key in ("publisher", "edition", "date"):
        value = book.meta.get(key)
        if value not in (None, ""):
            lines.append((LABELS[key], str(value)))
    trim = plan.geometry.trim
    lines.append((LABELS["trim"], f"{trim.name}（{trim.width_mm:g} mm × {trim.height_mm:g} mm）"))
    used = [
        (LABELS["body_font"], faces["serif"]),
        (LABELS["head_font"], faces["sans-bold"]),
        (LABELS["kai_font"], faces["kai"]),
    ]
    for label, face in used:
        lines.append(
            (
                LABELS["fonts"] if label == LABELS["body_font"] else "",
                f"{label}：{face.family} {face.style}",
            )
        )
    return lines


def check_glyphs(plan: Plan, has: Callable[[str, str], bool]) -> None:
    """Every character must be in its face: a missing one is an error, never a tofu box.
    ``has(role, ch)`` asks the subset, which holds every character its face has."""

    def missing_chars(role: str, text: str) -> set[str]:
        return {ch for ch in text if not has(role, ch)}

    for piece in plan.pieces.values():
        for text, role in piece.runs:
            lacking = missing_chars(role, text)
            if lacking:
                ch = min(lacking, key=text.index)
                face = plan.faces[role]
                raise FontError(
                    f"the character '{ch}' (U+{ord(ch):04X}) at {piece.where} is not in "
                    f"the font {face.family} {face.style} ({face.path.name})",
                    hint="replace the character, or set fonts: in book.yaml to a face that has it",
                )
    for role, chars in plan.extra_chars.items():
        lacking = missing_chars(role, "".join(sorted(chars)))
        if lacking:
            ch = sorted(lacking)[0]
            raise FontError(
                f"the character '{ch}' (U+{ord(ch):04X}) is not in the font "
                f"{plan.faces[role].family} {plan.faces[role].style}"
            )


def role_chars(plan: Plan) -> dict[str, str]:
    chars: dict[str, set[str]] = defaultdict(set)
    for piece in plan.pieces.values():
        for text, role in piece.runs:
            chars[role].update(text)
    for role, extra in plan.extra_chars.items():
        chars[role].update(extra)
    return {role: "".join(sorted(c)) for role, c in sorted(chars.items())}


# --- Composition ----------------------------------------------------------------------------

# Chinese quotation marks take a full em (GB/T 15834). LXGW WenKai has only proportional
# ones, which crowd the text; such a face borrows the marks of the serif of the same weight,
# as Chinese typesetters have always set punctuation from a second face. Padding the narrow
# marks instead would leave gaps that turn into spaces when the text is copied.
QUOTES = "“”‘’"
QUOTE_FALLBACK = {
    "kai": "serif",
    "kai-bold": "serif-bold",
    "sans": "serif",
    "sans-bold": "serif-bold",
}


def full_width_quotes(
    runs: list[tuple[str, str]], shapers: dict[str, Shaper]
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for text, role in runs:
        fallback = QUOTE_FALLBACK.get(role)
        narrow = fallback in shapers and any(
            ch in text and shapers[role].ink(ch)[0] < 0.9 for ch in QUOTES
        )
        if not narrow:
            out.append((text, role))
            continue
        for ch in text:
            use = fallback if ch in QUOTES and shapers[role].ink(ch)[0] < 0.9 else role
            if out and out[-1][1] == use:
                out[-1] = (out[-1][0] + ch, use)
            else:
                out.append((ch, use))
    return out


@dataclass(frozen=True)
class Composed:
    html: dict[str, Markup]
    lines: dict[str, list[compose.Line]]
    font_files: dict[str, Path]


def compose_piece(para: compose.Paragraph, piece: Piece, measure: float) -> list[compose.Line]:
    """Break one prepared piece by its mode: justified body text, a balanced heading, or
    ragged lines (names, labels)."""
    if piece.mode == "justify":
        return compose.compose(para, measure, piece.indent)
    if piece.mode == "balance":
        return compose.balance(para, measure)
    return compose.compose(para, measure, piece.indent, justify=False)


_COMPOSED: dict[int, tuple[Book, Composed]] = {}
_PIECES: dict[tuple, tuple[list[compose.Line], Markup]] = {}
"""Composed pieces by everything that decides their lines, so that ``watch`` recomposes only
the paragraph that changed."""
PIECE_MEMO_LIMIT = 50_000


def _shaper(path: Path, language: str) -> Shaper:
    """One HarfBuzz font per subset file for the life of the process (the file is named by its
    content, so the same path is the same font)."""
    key = (path, language)
    found = _SHAPERS.get(key)
    if found is None:
        found = _SHAPERS[key] = Shaper(path, language)
    return found


_SHAPERS: dict[tuple[Path, str], Shaper] = {}


def composed(book: Book, plan: Plan | None = None) -> Composed:
    """Compose the book once per build: the reader and the press edition share the lines."""
    cached = _COMPOSED.get(id(book))
    if cached is not None and cached[0] is book:
        return cached[1]
    plan = plan or plan_book(book)
    needed = role_chars(plan)
    # Name the first missing character with its chapter:line before cutting any subset.
    lacking = {
        role: set(missing_characters(plan.faces[role], chars)) for role, chars in needed.items()
    }
    check_glyphs(plan, lambda role, ch: ch not in lacking[role])
    wide = widegap.wide_chars(piece.runs for piece in plan.pieces.values())
    files = {
        role: subset_file(plan.faces[role], chars, wide.get(role, ("", "")))
        for role, chars in needed.items()
    }
    shapers = {role: _shaper(path, book.language) for role, path in files.items()}
    fonts = tuple(sorted((role, str(path)) for role, path in files.items()))
    lang = book.language

    def shape(text: str, role: str, script: str):
        return shapers[role].shape(text, script)

    def ink(ch: str, role: str):
        return shapers[role].ink(ch)

    if len(_PIECES) > PIECE_MEMO_LIMIT:
        _PIECES.clear()
    html: dict[str, Markup] = {}
    lines: dict[str, list[compose.Line]] = {}
    for key, piece in plan.pieces.items():
        measure = piece.measure or plan.geometry.measure
        role = piece.role or piece.runs[0][1]  # a paragraph may open in **bold**
        memo = (tuple(piece.runs), piece.size, piece.mode, measure, piece.indent, role, fonts, lang)
        found = _PIECES.get(memo)
        if found is None:
            runs = full_width_quotes(piece.runs, shapers)
            para = compose.prepare(runs, piece.size, shape, ink)
            result = compose_piece(para, piece, measure)
            found = _PIECES[memo] = (result, lines_html(result, role))
        lines[key], html[key] = found
    result = Composed(html, lines, files)
    _COMPOSED.clear()
    _COMPOSED[id(book)] = (book, result)
    return result


# --- HTML and PDF ---------------------------------------------------------------------------


def source_date(book: Book) -> int:
    """SOURCE_DATE_EPOCH, else the newest manuscript file: the same input, the same dates."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value and value.strip().isdigit():
        return int(value)
    paths = [book.yaml_path, *(c.path for c in book.chapters)]
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
    parts = ["meta", "front", *(c["id"] for c in context["chapters"]), "back"]
    return [(part, template.render(part=part, **context)) for part in parts]


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
            "blocks": [result.html[f"c{c}-b{b}"] for b in range(len(chapter.blocks))],
        }
        for c, chapter in enumerate(book.chapters)
    ]
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
        labels=LABELS,
        colophon=[
            (label, result.html[f"colophon-{n}"])
            for n, (label, _) in enumerate(colophon_lines(plan))
        ],
        authors=list(book.panelists),
        subject=lede_text or book.title,
        keywords=[k for k in (book.series, book.kicker) if k],
        generator=f"zhpress {__version__}",
        date=_w3c(source_date(book)),
    )
    return context, plan


def _icc_url(book: Book) -> str:
    """The CMYK output profile: ``press: icc:`` in book.yaml (inside the book), else the
    Ghostscript default CMYK profile from Debian's libgs-common."""
    press = book.meta.get("press") or {}
    given = press.get("icc") if isinstance(press, dict) else None
    if given:
        from .manuscript import resolve_inside

        path = resolve_inside(
            book.root,
            str(given),
            what="ICC profile",
            path=book.yaml_path,
            line=_yaml_line(book, "press"),
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
    from . import pdfwrite
    from .cache import cache_root
    from .html import TEMPLATES

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
