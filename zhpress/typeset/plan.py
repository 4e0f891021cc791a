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
from ..manuscript.markdown import runs_from_markdown
from ..manuscript.model import Book
from ..manuscript.references import check_references
from ..manuscript.where import file_and_line, front_matter_line, yaml_line
from .fonts import CENTRED_MARKS, Face, missing_characters, resolve_faces
from .geometry import INDENT_EM, Geometry, geometry_of


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


def labels_of(book: Book) -> dict[str, str]:
    """LABELS in the book's script: a Traditional book prints 目錄, not 目录."""
    from ..cjk import in_script

    traditional = book.variant != "SC"
    return {key: in_script(text, traditional) for key, text in LABELS.items()}


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
    plan = Plan(book, geometry, faces)
    size = geometry.size
    yaml = book.yaml_path
    measure = geometry.measure

    def text_piece(key, text, role, psize, mode, where, **kw):
        plan.add(key, Piece([(text, role)], psize, mode, where, **kw))

    def in_yaml(key: str) -> str:
        return file_and_line(yaml, yaml_line(book, key))

    if book.kicker:
        text_piece("kicker", book.kicker, "kai", 14, "balance", in_yaml("kicker"))
    text_piece(
        "headline",
        book.title,
        "sans-bold",
        headline_size(book.title, measure),
        "balance",
        in_yaml("title"),
    )
    if book.series:
        text_piece("series", book.series, "sans", size, "ragged", in_yaml("series"))
    if book.moderator:
        text_piece(
            "moderator",
            book.moderator,
            "kai",
            size,
            "ragged",
            in_yaml("moderator"),
        )
    for n, block in enumerate(book.lede):
        plan.add(
            f"lede-{n}",
            Piece(
                runs_from_markdown(block.text, "kai"),
                size,
                "justify",
                file_and_line(yaml, block.line),
                indent=INDENT_EM * size,
                role="kai",
            ),
        )
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
        for b, block in enumerate(chapter.blocks):
            plan.add(
                f"c{c}-b{b}",
                Piece(
                    runs_from_markdown(block.text, "serif"),
                    size,
                    "justify",
                    file_and_line(chapter.path, block.line),
                    indent=INDENT_EM * size,
                    role="serif",
                ),
            )
    plan.need("serif", book.title)
    plan.need("serif", DIGITS + ".·" + QUOTES)
    if book.variant != "SC":
        # A face whose pause and stop marks are not centred (the kai face) borrows them from
        # the serif (composed_book.full_width_quotes), which must carry them.
        plan.need("serif", CENTRED_MARKS)
        if any(role == "kai-bold" for piece in plan.pieces.values() for _, role in piece.runs):
            plan.need("serif-bold", CENTRED_MARKS)
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


def colophon_lines(plan: Plan) -> list[tuple[str, str]]:
    """(label, value) lines of the 版权页; values that are book data go in the serif face."""
    from ..cjk import in_script

    book, faces = plan.book, plan.faces
    labels = labels_of(book)
    lines = [(labels["title"], book.title)]
    if book.series:
        lines.append((labels["series"], book.series))
    lines.append((labels["contributors"], "　".join(book.panelists)))
    if book.moderator:
        lines.append((labels["moderated"], book.moderator))
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
