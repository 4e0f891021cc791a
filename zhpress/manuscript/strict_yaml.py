"""The manuscript's YAML, read strictly: every key known, none twice, texts that are texts.

PyYAML's ``safe_load`` takes the last of two ``title:`` lines without a word, reads
``title: 2024`` as a number and loses the line every key was on. An editor who types
``publsher:`` must hear about it, with the line, and a duplicated key is an error naming both
lines. The keys each file may hold are listed here (and in docs/MANUSCRIPT.md), so the
warnings and the documentation cannot drift apart.
"""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import BookError

# The contract's keys (docs/MANUSCRIPT.md) and the optional keys a publisher needs (README).
PUBLISHING_KEYS = (
    "slug",
    "identifier",
    "publisher",
    "date",
    "edition",
    "rights",
    "source",
    "trim",
    "fonts",
    "press",
    "cover",
)
PAGE_KEYS = ("title", "kicker", "series", "moderator", "lede", "language", "chapters")
BOOK_KEYS = (*PAGE_KEYS, *PUBLISHING_KEYS)
"""A single-page ``book.yaml``."""
PARTS_BOOK_KEYS = (
    "title",
    "kicker",
    "series",
    "moderator",
    "lede",
    "language",
    "preface",
    "parts",
    *PUBLISHING_KEYS,
)
"""A ``book.yaml`` with ``parts:`` (a book collected from several pages)."""
PART_KEYS = PAGE_KEYS
"""A part folder's ``part.yaml``: the keys of a single page."""
CHAPTER_KEYS = ("panelist", "title")
"""A chapter's front matter."""


@dataclass(frozen=True)
class Mapping:
    """A YAML mapping as read: its values and the line each top-level key is on."""

    data: dict[str, Any]
    lines: dict[str, int]
    path: Path

    def line(self, key: str) -> int | None:
        return self.lines.get(key)


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, first: int, second: int) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.first, self.second = key, first, second


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping, at any depth."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                continue  # SafeLoader itself reports an unhashable key
            if key in seen:
                raise _DuplicateKey(key, seen[key], line)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str, path: Path, line_offset: int = 0) -> tuple[Any, dict[str, int]]:
    """The document's value and the line of each top-level key (lines 1-based, shifted by
    ``line_offset`` for front matter). A syntax error or a duplicate key is a BookError."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _DuplicateKey as exc:
        first, second = exc.first + line_offset, exc.second + line_offset
        raise BookError(
            f"the key '{exc.key}' is given twice, on lines {first} and {second}",
            path=path,
            line=second,
            hint="keep one of them; YAML would silently take the last",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 + line_offset if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BookError(f"YAML syntax error: {problem}", path=path, line=line) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines.setdefault(str(key_node.value), key_node.start_mark.line + 1 + line_offset)
    return data, lines


def load_mapping(text: str, path: Path, what: str, line_offset: int = 0) -> Mapping:
    """A file (or front matter) that must be ``key: value`` lines; keys are texts."""
    data, lines = load_yaml(text, path, line_offset)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BookError(f"{what} must be 'key: value' lines", path=path, line=line_offset + 1)
    for key in data:
        if not isinstance(key, str):
            raise BookError(
                f"the key {key!r} is not a name; keys are words like 'title'",
                path=path,
                line=lines.get(str(key)),
            )
    return Mapping(data, lines, path)


def unknown_keys(mapping: Mapping, known: tuple[str, ...], what: str) -> list[str]:
    """A warning for every key ``what`` does not have, with its line and the nearest known key
    (difflib), in the order of the file."""
    warnings = []
    for key in sorted(
        (k for k in mapping.data if k not in known), key=lambda k: mapping.line(k) or 0
    ):
        near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{near[0]}'?" if near else f"; {what} may have: {', '.join(known)}"
        where = f"{mapping.path}:{mapping.line(key)}" if mapping.line(key) else str(mapping.path)
        warnings.append(f"{where}: unknown key '{key}' in {what}, ignored{hint}")
    return warnings


def text_value(value: Any, key: str, path: Path, line: int | None) -> str:
    """A value that must be text (a title, a name): a bare number, date or yes/no is refused,
    because YAML has already changed it (``title: 1984.10`` reads as 1984.1, ``on`` as true)."""
    if isinstance(value, (bool, int, float, datetime.date)):
        kind = (
            "yes/no value"
            if isinstance(value, bool)
            else ("date" if isinstance(value, datetime.date) else "number")
        )
        raise BookError(
            f"'{key}' is read as a {kind} ({value!r}), not as text",
            path=path,
            line=line,
            hint=f'put the value in quotes: {key}: "..."',
        )
    if not isinstance(value, str) or not value.strip():
        raise BookError(f"'{key}' must be a non-empty text", path=path, line=line)
    return value
