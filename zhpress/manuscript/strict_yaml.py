"""The manuscript's YAML, read strictly: every key known, none twice, texts that are texts.

PyYAML's ``safe_load`` takes the last of two ``title:`` lines without a word, reads
``title: 2024`` as a number and loses the line every key was on. An editor who types
``publsher:`` must hear about it, with the line, and a duplicated key is an error naming both
lines. The keys each file may hold are listed here (and in docs/MANUSCRIPT.md), so the
warnings and the documentation cannot drift apart.

YAML is also a way to make a small file huge or deep: aliases that repeat aliases ("billion
laughs") and lists nested thousands deep. Both are measured while the file is composed, before
any value is built, and refused with the line of the alias or list that crossed the limit
(``limits.YAML_ALIAS_GROWTH``, ``limits.YAML_DEPTH``): time and memory stay linear in the
file's size.
"""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import BookError
from . import limits

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


class _Refused(yaml.YAMLError):
    """A document too deep or too big once its aliases are expanded."""

    def __init__(self, message: str, mark: yaml.Mark, hint: str) -> None:
        super().__init__(message)
        self.message, self.mark, self.hint = message, mark, hint


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping, at any depth, and a document
    that aliases make huge or deep (measured on the node graph as it is composed: each node's
    expanded size and depth are computed once, from its children's, so the check is linear)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._size: dict[int, int] = {}  # id(node) -> characters and values once expanded
        self._depth: dict[int, int] = {}  # id(node) -> lists and mappings inside, expanded
        self._open: set[str] = set()  # anchors of the lists and mappings being composed
        self._nesting = 0
        self._grown = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open:
                raise _Refused(
                    f"the alias *{event.anchor} is inside the value it names",
                    event.start_mark,
                    "a value cannot contain itself; write it out",
                )
            node = super().compose_node(parent, index)
            self._grown += self._size[id(node)]
            if self._grown > limits.YAML_ALIAS_GROWTH:
                raise _Refused(
                    f"the aliases (*name) up to *{event.anchor} expand the file by more than "
                    f"{limits.YAML_ALIAS_GROWTH:,} characters and values",
                    event.start_mark,
                    "write the values out; aliases that repeat aliases grow without bound",
                )
            return node
        if isinstance(event, yaml.ScalarEvent):
            node = super().compose_node(parent, index)
            self._size[id(node)], self._depth[id(node)] = 1 + len(node.value), 0
            return node
        # A list or a mapping: refused on the way in if the file nests it too deep (before
        # the composer's recursion could crash), and on the way out if its aliases do.
        self._nesting += 1
        if self._nesting > limits.YAML_DEPTH:
            raise _Refused(*self._too_deep(event.start_mark))
        if event.anchor is not None:
            self._open.add(event.anchor)
        node = super().compose_node(parent, index)
        self._open.discard(event.anchor or "")
        self._nesting -= 1
        children = (
            [part for pair in node.value for part in pair]
            if isinstance(node, yaml.MappingNode)
            else node.value
        )
        self._size[id(node)] = 1 + sum(self._size[id(c)] for c in children)
        depth = 1 + max((self._depth[id(c)] for c in children), default=0)
        if depth > limits.YAML_DEPTH:  # aliases of deep values inside deep values
            raise _Refused(*self._too_deep(node.start_mark))
        self._depth[id(node)] = depth
        return node

    @staticmethod
    def _too_deep(mark: yaml.Mark) -> tuple[str, yaml.Mark, str]:
        return (
            f"lists and mappings are nested more than {limits.YAML_DEPTH} deep",
            mark,
            "book.yaml and front matter need at most three levels; flatten the value",
        )

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
    except _Refused as exc:
        raise BookError(
            exc.message, path=path, line=exc.mark.line + 1 + line_offset, hint=exc.hint
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
