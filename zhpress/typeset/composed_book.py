"""Compose the book: every piece of the plan broken into lines, once per build.

In: the ``Book`` and its ``Plan``. Out: ``Composed``: each piece's lines (``compose``) and
their HTML (``html_lines``), and the subset font files they were measured with, which are
the files the PDFs embed. The reader and the press edition share one composition; ``watch``
recomposes only the pieces that changed (``_PIECES``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from .. import cjk
from ..manuscript.model import Book
from . import compose, widegap
from .html_lines import lines_html
from .plan import (
    CALL_ROLE,
    CALL_SCALE,
    IMAGE_ROLE,
    QUOTES,
    Piece,
    Plan,
    check_glyphs,
    plan_book,
    role_chars,
)
from .shaper import Shaper
from .subset import CENTRED_MARKS, missing_characters, subset_file

# Chinese quotation marks take a full em (GB/T 15834). LXGW WenKai has only proportional
# ones, which crowd the text; such a face borrows the marks of the serif of the same weight,
# as Chinese typesetters have always set punctuation from a second face. Padding the narrow
# marks instead would leave gaps that turn into spaces when the text is copied.
QUOTE_FALLBACK = {
    "kai": "serif",
    "kai-bold": "serif-bold",
    "sans": "serif",
    "sans-bold": "serif-bold",
}


def _off_centre(shaper: Shaper, ch: str) -> bool:
    advance, left, right = shaper.ink(ch)
    return advance > 0 and abs((left + right) / 2 / advance - 0.5) > 0.1 / advance


def full_width_quotes(
    runs: list[tuple[str, str]], shapers: dict[str, Shaper], traditional: bool = False
) -> list[tuple[str, str]]:
    """Marks a face sets wrongly, taken from its fallback face: narrow quotes always and, in a
    Traditional book, pause and stop marks that do not sit centred (LXGW WenKai's)."""

    def borrowed(ch: str, role: str) -> bool:
        if ch in QUOTES:
            return shapers[role].ink(ch)[0] < 0.9
        return traditional and ch in CENTRED_MARKS and _off_centre(shapers[role], ch)

    out: list[tuple[str, str]] = []
    for text, role in runs:
        fallback = QUOTE_FALLBACK.get(role)
        # An inline image (no face) and a footnote call (no fallback) are taken as they are.
        if (
            role not in shapers
            or fallback not in shapers
            or not any(borrowed(ch, role) for ch in set(text))
        ):
            out.append((text, role))
            continue
        for ch in text:
            use = fallback if borrowed(ch, role) else role
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
    traditional = book.variant != "SC"
    centred = cjk.CENTRED_IN_TRADITIONAL if traditional else frozenset()

    def shape(text: str, role: str, script: str):
        if role == IMAGE_ROLE:
            return [(ch, 1.0) for ch in text]
        if role == CALL_ROLE:
            return [(c, a * CALL_SCALE) for c, a in shapers[role].shape(text, script)]
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
            runs = full_width_quotes(piece.runs, shapers, traditional)
            para = compose.prepare(runs, piece.size, shape, ink, centred)
            result = compose_piece(para, piece, measure)
            found = _PIECES[memo] = (result, lines_html(result, role))
        lines[key], html[key] = found
    result = Composed(html, lines, files)
    _COMPOSED.clear()
    _COMPOSED[id(book)] = (book, result)
    return result
