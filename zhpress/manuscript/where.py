"""Where something is in the manuscript, for an error an editor can follow: ``file:line``."""

from __future__ import annotations

import re
from pathlib import Path

from .model import Book, Part


def yaml_line(book: Book | Part, key: str) -> int | None:
    """The line of ``key:`` in book.yaml, or a part's part.yaml (None when it is not there)."""
    try:
        text = book.yaml_path.read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def front_matter_line(path: Path, key: str) -> int | None:
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


def file_and_line(path: Path, line: int | None) -> str:
    """``chapter.md:12``, or the file name alone when the line is not known."""
    return f"{path.name}:{line}" if line else path.name
