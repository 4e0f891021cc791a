"""Plan the book: every piece of text the print editions show, in which face, size and mode.

In: the ``Book``. Out: a ``Plan`` of pieces (paragraphs, headings, names, contents and
colophon lines, each with its ``file:line`` for an error) and the characters each face must
carry, so that a character a face lacks is named with its chapter and line before anything
is cut or composed (``check_glyphs``, ``check_references_and_glyphs``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import FontError
from ..manuscript.markdown import block_runs, note_mark, runs_from_markdown
from ..manuscript.model import Block, Book, Chapter, Part
from ..manuscript.references import check_references
from ..manuscript.where import file_and_line, front_matter_line, yaml_line
from .faces import Face, resolve_faces
from .geometry import INDENT_EM, Geometry, geometry_of
from .subset import CENTRED_MARKS, missing_characters


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
PARTS_LABELS = {"index": "人名索引"}
"""What only a book of several pages prints (its subsets must not change a one-page book's)."""


def labels_of(book: Book) -> dict[str, str]:
    """LABELS in the book's script: a Traditional book prints 目錄, not 目录."""
    from ..cjk import in_script

    traditional = book.variant != "SC"
    labels = {**LABELS, **PARTS_LABELS} if book.parts else LABELS
    return {key: in_script(text, traditional) for key, text in labels.items()}


DIGITS = "0123456789"
COLOPHON_SIZE = 9.0

# Chinese quotation marks: every body face carries them at full width (see composed_book).
QUOTES = "“”‘’"


HEADLINE_MAX, HEADLINE_MIN = 21.0, 16.0


def headline_size(title: str, measure: float) -> float:
    """The headline on one line when it can be, in half points between 16 and 21 pt; a longer
    one wraps into balanced lines at 16 pt."""
    from ..cjk import display_width

    fit = int(measure / max(display_width(title), 1) * 2) / 2
    return max(HEADLINE_MIN, min(HEADLINE_MAX, fit))


def plan_book(book: Book) -> Plan:
    geometry = geometry_of(book)
    faces = resolve_faces(book.meta.get("fonts"), book.root, book.yaml_path, variant=book.variant)
    # A footnote call is the serif's circled number, set small and raised (CSS .f-note-call).
    faces = {**faces, CALL_ROLE: faces["serif"]}
    plan = Plan(book, geometry, faces)
    size = geometry.size
    yaml = book.yaml_path
    measure = geometry.measure

    def text_piece(key, text, role, psize, mode, where, **kw):
        plan.add(key, Piece([(text, role)], psize, mode, where, **kw))

    opening_pieces(plan, book, "")
    for c, chapter in enumerate(book.chapters):
        where = file_and_line(chapter.path, front_matter_line(chapter.path, "title"))
        who = file_and_line(chapter.path, front_matter_line(chapter.path, "panelist"))
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
        heads = 0
        for b, (leaf, piece) in enumerate(chapter_pieces(chapter, measure, size)):
            plan.add(f"c{c}-b{b}", piece)
            if leaf.kind in HEADING:
                heads += 1
                level = int(leaf.kind[1])
                plan.add(
                    f"c{c}-toc-s{heads}",
                    Piece(
                        block_runs(leaf, "serif"),
                        size,
                        "ragged",
                        piece.where,
                        measure=measure - (8 + level - 1) * size,
                    ),
                )
        for n, note in enumerate(chapter.notes):
            plan.add(f"c{c}-n{n}", note_piece(chapter, note, measure))
            plan.need("serif", note_mark(int(note.info)))
    if book.parts:
        _plan_parts(plan, book)
    plan.need("serif", book.title)
    plan.need("serif", DIGITS + ".·•" + QUOTES)
    if book.variant != "SC":
        # A face whose pause and stop marks are not centred (the kai face) borrows them from
        # the serif (composed_book.full_width_quotes), which must carry them.
        plan.need("serif", CENTRED_MARKS)
        if any(role == "kai-bold" for piece in plan.pieces.values() for _, role in piece.runs):
            plan.need("serif-bold", CENTRED_MARKS)
    # Bold kai's quotation marks are narrow too: it borrows serif-bold's, which must carry
    # them (found by make fuzz: a bold standfirst's “” fell back to a system font).
    if any(
        role == "kai-bold" and any(ch in QUOTES for ch in text)
        for piece in plan.pieces.values()
        for text, role in piece.runs
    ):
        plan.need("serif-bold", QUOTES)
    for label in labels_of(book).values():
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
            file_and_line(yaml, None),
            measure=measure - 6 * COLOPHON_SIZE,
        )
    return plan


def opening_pieces(plan: Plan, page: Book | Part, prefix: str) -> None:
    """A page's opening: overline, headline, series, moderator and standfirst, keyed
    ``kicker``, ``headline`` … for a book of one page and ``p0-kicker`` … for its parts."""
    size, measure = plan.geometry.size, plan.geometry.measure
    yaml = page.yaml_path

    def at(key: str) -> str:
        return file_and_line(yaml, yaml_line(page, key))

    def add(key: str, text: str, role: str, psize: float, mode: str, where: str) -> None:
        plan.add(prefix + key, Piece([(text, role)], psize, mode, where))

    if page.kicker:
        add("kicker", page.kicker, "kai", 14, "balance", at("kicker"))
    add(
        "headline",
        page.title,
        "sans-bold",
        headline_size(page.title, measure),
        "balance",
        at("title"),
    )
    if page.series:
        add("series", page.series, "sans", size, "ragged", at("series"))
    if page.moderator:
        add("moderator", page.moderator, "kai", size, "ragged", at("moderator"))
    for n, block in enumerate(page.lede):
        plan.add(
            f"{prefix}lede-{n}",
            Piece(
                runs_from_markdown(block.text, "kai"),
                size,
                "justify",
                file_and_line(yaml, block.line),
                indent=INDENT_EM * size,
                role="kai",
            ),
        )


def _plan_parts(plan: Plan, book: Book) -> None:
    """What a book of several pages prints besides its contributions: each part's opening
    (as a single page's: overline, headline, series, standfirst, moderator) and its line in
    the contents, the preface, and the panelist index's names."""
    size, measure = plan.geometry.size, plan.geometry.measure

    def add(key: str, text: str, role: str, psize: float, mode: str, where: str, **kw) -> None:
        plan.add(key, Piece([(text, role)], psize, mode, where, **kw))

    for k, part in enumerate(book.parts):
        opening_pieces(plan, part, f"p{k}-")

        def at(key: str, part=part) -> str:
            return file_and_line(part.yaml_path, yaml_line(part, key))

        add(
            f"p{k}-toc-title",
            part.title,
            "sans-bold",
            size,
            "ragged",
            at("title"),
            measure=measure - 4 * size,
        )
        plan.need("serif", part.title)  # the running head of its rectos
    if book.preface is not None:
        preface = book.preface
        where = file_and_line(preface.path, 1)
        add("pre-title", preface.title, "sans-bold", 15, "balance", where)
        add("pre-toc-title", preface.title, "sans-bold", size, "ragged", where)
        if preface.panelist:
            add("pre-panelist", preface.panelist, "kai", 12, "ragged", where)
        for b, (_, piece) in enumerate(chapter_pieces(preface, measure, size)):
            plan.add(f"pre-b{b}", piece)
        for n, note in enumerate(preface.notes):
            plan.add(f"pre-n{n}", note_piece(preface, note, measure))
            plan.need("serif", note_mark(int(note.info)))
        plan.need("serif", preface.title)
    labels = labels_of(book)
    add(
        "ix-toc-title",
        labels["index"],
        "sans-bold",
        size,
        "ragged",
        file_and_line(book.yaml_path, None),
    )
    for n, name in enumerate(index_names(book)):
        add(f"ix-name-{n}", name, "kai", size, "ragged", file_and_line(book.yaml_path, None))
    plan.need("sans-bold", "#ABCDEFGHIJKLMNOPQRSTUVWXYZ" + labels["index"])
    plan.need("serif", "–, ")
    if book.meta.get("publisher"):
        plan.need("sans", str(book.meta["publisher"]))  # on the title page


def index_names(book: Book) -> list[str]:
    """The names in the panelist index, in its order (``manuscript.name_index``)."""
    from ..manuscript.name_index import name_index

    return [entry.name for group in name_index(book) for entry in group.entries]


CALL_ROLE = "note-call"
CALL_SCALE = 0.6
"""A footnote call is set at 0.6 of its paragraph's size (and raised by the stylesheet)."""
IMAGE_ROLE = "image"
"""An inline image takes one em of its line (``markdown.IMAGE_MARK``); no face sets it."""

# How each kind of block is set: (face role, size in pt or None for the body size, mode).
HEADING = {
    "h2": ("sans-bold", 13.0, "balance"),
    "h3": ("sans-bold", 11.5, "ragged"),
    "h4": ("sans-bold", 10.5, "ragged"),
}
NESTED_EM = 2.0
"""A block quote and a list's items stand two em in from the measure."""
NOTE_SIZE = 9.0
NOTE_HANG_EM = 1.5
"""A note's circled number hangs in front of its text: the text stands 1.5 em in."""
CAPTION_SIZE = 9.0
TABLE_SIZE = 9.0
CELL_PADDING_EM = 0.5
"""Each side of a table cell, in em of the table's size."""


def chapter_pieces(chapter: Chapter, measure: float, size: float) -> list[tuple[Block, Piece]]:
    """Every leaf of a chapter's body as the piece that sets it, in reading order (the same
    order as ``Chapter.leaves``): its face, size, mode and measure follow the blocks around
    it (a quote is kai, a list item or quote stands two em in, a cell is as wide as its
    column)."""
    out: list[tuple[Block, Piece]] = []

    def walk(block: Block, inset: float, role: str, first_indent: bool) -> None:
        where = file_and_line(chapter.path, block.line)
        if block.kind == "quote":
            for child in block.children:
                walk(child, inset + NESTED_EM * size, "kai", True)
        elif block.kind in ("ol", "ul"):
            for item in block.children:
                for child in item.children:
                    walk(child, inset + NESTED_EM * size, role, False)
        elif block.kind == "table":
            columns = max((len(row.children) for row in block.children), default=1)
            cell = (measure - inset) / columns - 2 * CELL_PADDING_EM * TABLE_SIZE
            for row in block.children:
                for leaf in row.children:
                    face = "sans" if leaf.kind == "th" else "serif"
                    runs = block_runs(leaf, face)
                    piece = Piece(runs, TABLE_SIZE, "ragged", where, measure=cell, role=face)
                    out.append((leaf, piece))
        elif block.kind in HEADING:
            face, psize, mode = HEADING[block.kind]
            piece = Piece(
                block_runs(block, face), psize, mode, where, measure=measure - inset, role=face
            )
            out.append((block, piece))
        elif block.kind == "figure":
            runs = block_runs(block, "kai")
            piece = Piece(runs, CAPTION_SIZE, "balance", where, measure=measure - inset, role="kai")
            out.append((block, piece))
        elif block.kind == "p":
            indent = INDENT_EM * size if first_indent else 0.0
            piece = Piece(
                block_runs(block, role), size, "justify", where, indent, measure - inset, role
            )
            out.append((block, piece))

    for block in chapter.blocks:
        walk(block, 0.0, "serif", True)
    return out


def note_piece(chapter: Chapter, note: Block, measure: float) -> Piece:
    """A footnote, set justified in the note size beside its hanging circled number."""
    return Piece(
        block_runs(note, "serif"),
        NOTE_SIZE,
        "justify",
        file_and_line(chapter.path, note.line),
        measure=measure - NOTE_HANG_EM * NOTE_SIZE,
        role="serif",
    )


def colophon_lines(plan: Plan) -> list[tuple[str, str]]:
    """(label, value) lines of the 版权页; values that are book data go in the serif face."""
    from ..cjk import in_script

    book, faces = plan.book, plan.faces
    labels = labels_of(book)
    lines = [(labels["title"], book.title)]
    if book.series:
        lines.append((labels["series"], book.series))
    lines.append((labels["contributors"], "　".join(book.panelists)))
    if book.moderators:
        lines.append((labels["moderated"], "　".join(book.moderators)))
    for key in ("publisher", "edition", "date"):
        value = book.meta.get(key)
        if value not in (None, ""):
            lines.append((labels[key], str(value)))
    trim = plan.geometry.trim
    trim_name = in_script(trim.name, book.variant != "SC")
    lines.append((labels["trim"], f"{trim_name}（{trim.width_mm:g} mm × {trim.height_mm:g} mm）"))
    used = [
        (labels["body_font"], faces["serif"]),
        (labels["head_font"], faces["sans-bold"]),
        (labels["kai_font"], faces["kai"]),
    ]
    for label, face in used:
        lines.append(
            (
                labels["fonts"] if label == labels["body_font"] else "",
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
            if role == IMAGE_ROLE:
                continue
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
            if role == IMAGE_ROLE:
                continue
            chars[role].update(text)
    for role, extra in plan.extra_chars.items():
        chars[role].update(extra)
    return {role: "".join(sorted(c)) for role, c in sorted(chars.items())}


def check_references_and_glyphs(book: Book) -> None:
    """What can be known from the manuscript alone, checked before any edition is rendered, so
    a bad manuscript stops the build with its chapter and line and leaves dist/ as it was:
    no reference leaves the book folder, and every character is in the face that sets it
    (the EPUB's subsetter would otherwise only name the face, not the chapter)."""
    check_references(book)
    plan = plan_book(book)
    lacking = {
        role: set(missing_characters(plan.faces[role], chars))
        for role, chars in role_chars(plan).items()
    }
    check_glyphs(plan, lambda role, ch: ch not in lacking[role])
