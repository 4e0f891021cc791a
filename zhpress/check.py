"""Preflight: findings about the editions, printed as one table.

The fast checks run after every build (``--no-check`` skips them); ``python build.py check``
runs them all, epubcheck included, on the editions already in ``dist/``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import EXIT_BAD_INPUT, EXIT_CHECKS_FAILED, EXIT_OK, ChecksFailed
from .manuscript import Book, load_book


@dataclass(frozen=True)
class Finding:
    edition: str
    check: str
    severity: str  # "error" | "warning" | "info"
    message: str


Check = Callable[[Book, dict[str, Path]], list[Finding]]


def check_outputs_exist(book: Book, paths: dict[str, Path]) -> list[Finding]:
    return [
        Finding(edition, "exists", "error", f"{path} is missing; run 'python build.py'")
        for edition, path in paths.items()
        if not path.is_file()
    ]


FAST_CHECKS: list[Check] = [check_outputs_exist]
SLOW_CHECKS: list[Check] = []


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
