"""Lines on the measure: the fast check after every build, and the full typography measure.

The fast check (``check_lines``) takes the paragraphs ``text_reaches_editions`` located in a
PDF and measures each line from the drawn text runs: every justified line but a paragraph's
last ends on the measure, indents are 2 em, no line starts or ends with a prohibited mark,
no ——, …… or Western word is split. ``check_typography`` (``check`` only) is the full,
character-by-character measure of ``pdfmeasure``.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from .. import cjk
from ..manuscript.model import Book
from .outputs import ERROR, LABEL, OK, PDFS, WARNING, Finding, Outputs, _tool_problem
from .text_reaches_editions import PdfText, Unit, find_units, pdf_text

TOLERANCE_EM = 0.15


def unnumbered_pages(book: Book, edition: str) -> int:
    """Pages before the first recto: the reader's cover (``cover: true``), else none."""
    from ..editions.pdf import wants_cover

    return 1 if edition == "reader" and wants_cover(book) else 0


def line_problems(out: Outputs, edition: str) -> tuple[list[str], int]:
    units = out.units(edition)
    text = pdf_text(out.drawn(edition), out.book, units)
    skip = unnumbered_pages(out.book, edition)
    return paragraph_line_problems(text, units, out.book, LABEL[edition], skip)


def check_lines(out: Outputs) -> list[Finding]:
    findings = []
    for edition in PDFS:
        if not out.has(edition):
            continue
        try:
            problems, checked = line_problems(out, edition)
        except Exception as exc:
            findings.append(_tool_problem(edition, "lines", exc))
            continue
        findings += [Finding(edition, "lines", ERROR, p) for p in problems[:10]]
        if len(problems) > 10:
            findings.append(Finding(edition, "lines", ERROR, f"and {len(problems) - 10} more"))
        if not problems:
            findings.append(
                Finding(
                    edition,
                    "lines",
                    OK,
                    f"{checked} lines of paragraphs on the measure, no prohibited break",
                )
            )
    return findings


def check_typography(out: Outputs) -> list[Finding]:
    """The full measure, character by character (pdfmeasure): the numbers of the print issue."""
    from ..typeset.geometry import geometry_of
    from .pdfmeasure import measure_edition

    findings = []
    geometry = geometry_of(out.book)
    for edition in PDFS:
        if not out.has(edition):
            continue
        skip = unnumbered_pages(out.book, edition)
        report = measure_edition(out.paths[edition], out.book, geometry, skip)
        rows = [
            ("short of the measure", report.short_lines, ERROR),
            ("past the measure", report.overfull_lines, ERROR),
            ("prohibited line start/end", report.prohibited, ERROR),
            ("squeezed lone mark", report.squeezed_marks, ERROR),
            ("not 1/4 em", report.quarter_em, ERROR),
            ("text layer", report.wrong_detail, ERROR),
            ("widow/orphan", report.widows, WARNING),
            ("lone last character", report.lone_last_chars, WARNING),
        ]
        bad = False
        for what, items, severity in rows:
            if items:
                bad = True
                shown = "; ".join(items[:3]) + (
                    f"; and {len(items) - 3} more" if len(items) > 3 else ""
                )
                findings.append(
                    Finding(edition, "typography", severity, f"{len(items)} {what}: {shown}")
                )
        if not bad:
            marks = "pause/stop" if out.book.variant != "SC" else "lone"
            findings.append(
                Finding(
                    edition,
                    "typography",
                    OK,
                    f"{report.lines_checked} lines on the measure, {report.marks_checked} "
                    f"{marks} marks at full width, {report.quarter_em_checked} 1/4 em gaps, "
                    "no prohibited break",
                )
            )
    return findings


def paragraph_line_problems(
    text: PdfText, units: list[Unit], book: Book, label: str, skip: int = 0
) -> tuple[list[str], int]:
    """Line geometry of every justified paragraph, from the drawn text runs: each line but a
    paragraph's last ends on the measure, the first is indented 2 em, the others start at the
    left edge; no line starts or ends with a prohibited mark, no split —— or ……, no Western
    word split unless it is wider than the measure. Returns the problems and the number of
    lines looked at. ``skip`` unnumbered pages (a cover) come before the first recto."""
    from ..typeset.geometry import geometry_of

    g = geometry_of(book)
    em = g.size
    stream, line_of, lines = text.stream, text.line_of, text.lines
    matches, _ = find_units(units, stream, label)
    problems: list[str] = []
    checked = 0
    for match in matches:
        offset = match.start
        for segment in match.unit.segments:
            start, end = offset, offset + len(segment.text)
            offset = end
            if segment.what not in ("paragraph", "standfirst paragraph"):
                continue
            lengths = Counter(line_of[start:end])  # line index -> characters, in order
            indices = list(lengths)
            checked += len(indices)
            spaced_breaks = _space_positions(segment.spaced)
            position = start
            for n, index in enumerate(indices):
                line = lines[index]
                left, _, right, _ = g.frame(line.page - skip)
                x0, x1 = line.x0, line.x1
                final = n == len(indices) - 1
                where = f"{segment.where} line {n + 1} (page {line.page + 1})"
                expected = left + (segment.first_em if n == 0 else segment.rest_em) * em
                if abs(x0 - expected) > TOLERANCE_EM * em:
                    problems.append(f"{where}: starts {(x0 - left) / em:.2f} em in")
                if not final and right - x1 > TOLERANCE_EM * em:
                    problems.append(f"{where}: {(right - x1) / em:.2f} em short of the measure")
                if x1 - right > TOLERANCE_EM * em:
                    problems.append(f"{where}: {(x1 - right) / em:.2f} em past the measure")
                length = lengths[index]
                slack = right - left - TOLERANCE_EM * em  # kerning is not in the font's widths
                first, last = stream.text[position], stream.text[position + length - 1]
                if n > 0 and first in cjk.NO_LINE_START:
                    problems.append(f"{where}: starts with {first}")
                if not final:
                    after = stream.text[position + length]
                    if last in cjk.NO_LINE_END:
                        problems.append(f"{where}: ends with {last}")
                    if last == after and last in cjk.INSEPARABLE:
                        problems.append(f"{where}: splits {last}{after}")
                    if (
                        cjk.is_western_run_char(last)
                        and cjk.is_western_run_char(after)
                        and (position + length - start) not in spaced_breaks
                        and not _wider_than(
                            text, spaced_breaks, start, end, position + length, slack
                        )
                    ):
                        problems.append(f"{where}: splits the Western word at {last}|{after}")
                position += length
    return problems, checked


def _wider_than(
    text: PdfText, spaces: set[int], start: int, end: int, at: int, measure: float
) -> bool:
    """Is the Western run that a line break splits at stream offset ``at`` (its paragraph being
    ``start:end``, ``spaces`` its offsets after whitespace) wider than ``measure``? Such a run
    (a URL) fits no line, and breaking it is the composer's last resort, not a fault; a word
    that fits a line of its own must never be split. A space of the manuscript ends a run."""
    stream = text.stream.text
    if len(text.advances) != len(stream):
        return False
    a = at
    while a > start and cjk.is_western_run_char(stream[a - 1]) and a - start not in spaces:
        a -= 1
    b = at
    while b < end and cjk.is_western_run_char(stream[b]) and (b == at or b - start not in spaces):
        b += 1
    return sum(text.advances[a:b]) > measure


def _space_positions(spaced: str) -> set[int]:
    """Offsets (in the squeezed text) where the manuscript has whitespace: a line may break."""
    found, count = set(), 0
    for ch in unicodedata.normalize("NFD", spaced):  # counted as ``squeeze`` counts
        if ch.isspace():
            found.add(count)
        else:
            count += 1
    return found
