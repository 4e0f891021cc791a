"""Load ``book/`` (the manuscript contract, docs/MANUSCRIPT.md) into an immutable Book model.

Every later stage reads only this model, so every problem with the manuscript is reported
here, once, with the file and line an editor has to open.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from ..errors import BookError
from .blocks import parse_body, unreferenced_note
from .model import DEFAULT_LANGUAGE, Block, Book, Chapter

REQUIRED_BOOK_KEYS = ("title", "chapters")
REQUIRED_CHAPTER_KEYS = ("panelist", "title")
FRONT_MATTER_FENCE = "---"


def lede_blocks(text: str, first_line: int, path: Path) -> tuple[Block, ...]:
    """The standfirst's paragraphs: Markdown like a chapter's body, set as paragraphs."""
    blocks, _ = parse_body(text, first_line, path)
    return tuple(leaf for block in blocks for leaf in block.leaves() if leaf.kind == "p")


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BookError(f"cannot read the file: {exc.strerror}", path=path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BookError(
            f"not UTF-8 text (byte {exc.start}: {data[exc.start : exc.start + 4]!r})",
            path=path,
            line=line,
            hint="save the file as UTF-8",
        ) from None
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _forbidden(ch: str) -> bool:
    """Control characters (other than line breaks and tabs) and unassigned code points or
    noncharacters: no face has a glyph for them, and XML (the EPUB) does not allow most of them.
    U+FFFC (the object replacement character) too: the composer uses it for an inline image."""
    if ch in "\n\t":
        return False
    if ch == "\ufffc":
        return True
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs") or category == "Cn"


def check_characters(text: str, path: Path, first_line: int = 1, what: str = "text") -> None:
    """Refuse characters that cannot be typeset, naming the line and column."""
    bad = next((i for i, ch in enumerate(text) if _forbidden(ch)), None)
    if bad is None:
        return
    ch = text[bad]
    line = first_line + text.count("\n", 0, bad)
    column = bad - (text.rfind("\n", 0, bad) + 1) + 1
    kind = "a control character" if unicodedata.category(ch) == "Cc" else "an unassigned code point"
    raise BookError(
        f"{what} has {kind}, U+{ord(ch):04X}, at column {column}",
        path=path,
        line=line,
        hint="delete it (it is invisible in most editors; search for it by its code)",
    )


def _load_yaml(text: str, path: Path, line_offset: int = 0) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 + line_offset if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BookError(f"YAML syntax error: {problem}", path=path, line=line) from None


def _key_line(text: str, key: str, line_offset: int = 0) -> int | None:
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    if match is None:
        return None
    return text.count("\n", 0, match.start()) + 1 + line_offset


def _item_line(text: str, item: Any, after: int | None) -> int | None:
    """The line of ``- item`` in a YAML list that starts after line ``after``."""
    lines = text.split("\n")
    for number in range(after or 1, len(lines) + 1):
        entry = re.match(r"^\s*-\s*(.*?)\s*$", lines[number - 1])
        if entry and entry.group(1).strip("'\"") == str(item):
            return number
    return after


def _string(value: Any, key: str, path: Path, line: int | None) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise BookError(f"'{key}' must be a non-empty text", path=path, line=line)
    check_characters(value, path, line or 1, what=f"'{key}'")
    return value.strip()


def resolve_inside(root: Path, name: str, *, what: str, path: Path, line: int | None) -> Path:
    """Resolve ``name`` relative to the book folder and refuse anything that leaves it.

    A manuscript is data, not a program: it may not make the build read arbitrary files.
    """
    if not isinstance(name, str) or not name.strip():
        raise BookError(f"{what} must be a file name", path=path, line=line)
    candidate = Path(name)
    if candidate.is_absolute():
        raise BookError(
            f"{what} '{name}' is an absolute path; only files inside the book folder may be used",
            path=path,
            line=line,
        )
    resolved = (root / candidate).resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise BookError(
            f"{what} '{name}' leaves the book folder",
            path=path,
            line=line,
            hint="keep every file the book uses inside its folder",
        )
    return resolved


def load_chapter(path: Path) -> Chapter:
    text = _read_text(path)
    if not text.strip():
        raise BookError(
            "the chapter file is empty",
            path=path,
            line=1,
            hint="write its front matter and text, or remove it from 'chapters' in book.yaml",
        )
    check_characters(text, path)
    lines = text.split("\n")
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise BookError(
            "missing front matter: the file must start with a '---' line",
            path=path,
            line=1,
            hint="add '---', 'panelist: NAME', 'title: TITLE', '---' at the top",
        )
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER_FENCE)
    except StopIteration:
        raise BookError(
            "front matter is not closed by a second '---' line", path=path, line=1
        ) from None
    header_text = "\n".join(lines[1:end])
    header = _load_yaml(header_text, path, line_offset=1)
    if header is None:
        header = {}
    if not isinstance(header, dict):
        raise BookError("front matter must be 'key: value' lines", path=path, line=2)
    for key in REQUIRED_CHAPTER_KEYS:
        if key not in header:
            raise BookError(
                f"front matter lacks the required key '{key}'",
                path=path,
                line=2,
                hint=f"add '{key}: ...' between the '---' lines",
            )
    panelist = _string(header["panelist"], "panelist", path, _key_line(header_text, "panelist", 1))
    title = _string(header["title"], "title", path, _key_line(header_text, "title", 1))
    body = "\n".join(lines[end + 1 :])
    unreferenced_note(body, path, end + 2)
    blocks, notes = parse_body(body, end + 2, path)
    if not blocks:
        raise BookError(
            "the chapter has no text after its front matter",
            path=path,
            line=end + 1,
            hint="write the text below the second '---' line, or remove the chapter from book.yaml",
        )
    extra = {k: v for k, v in header.items() if k not in REQUIRED_CHAPTER_KEYS}
    return Chapter(
        path=path, panelist=panelist, title=title, blocks=blocks, extra=extra, notes=notes
    )


def load_book(root: Path | str) -> Book:
    root = Path(root)
    yaml_path = root / "book.yaml"
    if not root.is_dir():
        raise BookError("the book folder does not exist", path=root)
    if not yaml_path.is_file():
        raise BookError(
            "no book.yaml in the book folder",
            path=yaml_path,
            hint="run 'python build.py import SOURCE --out DIR' to make a first draft",
        )
    text = _read_text(yaml_path)
    data = _load_yaml(text, yaml_path)
    if not isinstance(data, dict):
        raise BookError("book.yaml must be a mapping of 'key: value' lines", path=yaml_path, line=1)
    for key in REQUIRED_BOOK_KEYS:
        if key not in data or data[key] in (None, ""):
            raise BookError(
                f"book.yaml lacks the required key '{key}'",
                path=yaml_path,
                hint=f"add a '{key}:' line; see docs/MANUSCRIPT.md for the keys",
            )
    title = _string(data["title"], "title", yaml_path, _key_line(text, "title"))
    chapters_line = _key_line(text, "chapters")
    names = data["chapters"]
    if not isinstance(names, list) or not names:
        raise BookError(
            "'chapters' must be a list of file names, one '  - NAME.md' line each",
            path=yaml_path,
            line=chapters_line,
        )
    chapters = []
    seen: set[Path] = set()
    for name in names:
        line = _item_line(text, name, chapters_line)
        path = resolve_inside(root, name, what="chapter", path=yaml_path, line=line)
        if not path.is_file():
            raise BookError(
                f"chapter '{name}' is listed but does not exist",
                path=yaml_path,
                line=line,
                hint=f"create {path.name} in the book folder, or correct the name",
            )
        if path in seen:
            raise BookError(f"chapter '{name}' is listed twice", path=yaml_path, line=line)
        seen.add(path)
        chapters.append(load_chapter(path))

    def optional(key: str) -> str | None:
        if data.get(key) in (None, ""):
            return None
        return _string(data[key], key, yaml_path, _key_line(text, key))

    lede_text = optional("lede")
    lede_line = _key_line(text, "lede") or 1
    lede = lede_blocks(lede_text, lede_line + 1, yaml_path) if lede_text else ()
    language = optional("language") or DEFAULT_LANGUAGE
    known = {"title", "kicker", "series", "moderator", "lede", "language", "chapters"}
    meta = {k: v for k, v in data.items() if k not in known}
    return Book(
        root=root,
        title=title,
        chapters=tuple(chapters),
        kicker=optional("kicker"),
        series=optional("series"),
        moderator=optional("moderator"),
        lede=lede,
        language=language,
        meta=meta,
    )
