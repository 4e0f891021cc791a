"""Load ``book/`` (the manuscript contract, docs/MANUSCRIPT.md) into an immutable Book model.

Every later stage reads only this model, so every problem with the manuscript is reported
here, once, with the file and line an editor has to open.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import BookError
from . import limits
from .blocks import parse_body, unreferenced_note
from .language import ACCEPTED_EXAMPLES, parse_language
from .mark_order import canonical_mark_order
from .model import DEFAULT_LANGUAGE, Block, Book, Chapter, Part
from .strict_yaml import (
    BOOK_KEYS,
    CHAPTER_KEYS,
    PART_KEYS,
    PARTS_BOOK_KEYS,
    Mapping,
    load_mapping,
    text_value,
    unknown_keys,
)

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
    return canonical_mark_order(text.replace("\r\n", "\n").replace("\r", "\n"))


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


def _item_line(text: str, item: Any, after: int | None, key_line: int | None) -> int | None:
    """The line of ``- item`` in a YAML list, at or after line ``after``; the list's key line
    when it is not found (a list written inline, ``[a.md, b.md]``)."""
    lines = text.split("\n")
    for number in range(after or 1, len(lines) + 1):
        entry = re.match(r"^\s*-\s*(.*?)\s*$", lines[number - 1])
        if entry and entry.group(1).strip("'\"") == str(item):
            return number
    return key_line


def _string(value: Any, key: str, path: Path, line: int | None) -> str:
    """A text value (title, name, lede): a number or a yes/no is refused, not turned into
    text, because YAML has already changed it (``1984.10`` reads as 1984.1)."""
    value = text_value(value, key, path, line)
    if key != "lede":  # the lede is text, limited by its size (limits.LEDE_BYTES)
        limits.check_field_length(value.strip(), key, path, line)
    check_characters(value, path, line or 1, what=f"'{key}'")
    return value.strip()


def _text(mapping: Mapping, key: str) -> str:
    return _string(mapping.data[key], key, mapping.path, mapping.line(key))


def _language(mapping: Mapping) -> str:
    """The book's BCP 47 tag, in canonical case; a tag zhpress does not set is an error."""
    if mapping.data.get("language") in (None, ""):
        return DEFAULT_LANGUAGE
    value = _text(mapping, "language")
    parsed = parse_language(value)
    if parsed is None:
        raise BookError(
            f"unknown language '{value}': zhpress sets Chinese, in Simplified or Traditional "
            "characters",
            path=mapping.path,
            line=mapping.line("language"),
            hint="use a BCP 47 tag such as " + ", ".join(ACCEPTED_EXAMPLES),
        )
    return parsed[0]


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


def load_chapter(path: Path, required: tuple[str, ...] = REQUIRED_CHAPTER_KEYS) -> Chapter:
    limits.check_file_size(path, limits.CHAPTER_BYTES, "the chapter file")
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
    header = load_mapping("\n".join(lines[1:end]), path, "front matter", line_offset=1)
    for key in required:
        if key not in header.data:
            raise BookError(
                f"front matter lacks the required key '{key}'",
                path=path,
                line=2,
                hint=f"add '{key}: ...' between the '---' lines",
            )
    panelist = _text(header, "panelist") if "panelist" in header.data else ""
    title = _text(header, "title") if "title" in header.data else PREFACE_TITLE
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
    extra = {k: v for k, v in header.data.items() if k not in REQUIRED_CHAPTER_KEYS}
    warnings = tuple(unknown_keys(header, CHAPTER_KEYS, "a chapter's front matter"))
    return Chapter(
        path=path,
        panelist=panelist,
        title=title,
        blocks=blocks,
        extra=extra,
        warnings=warnings,
        notes=notes,
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
    limits.check_file_size(yaml_path, limits.BOOK_YAML_BYTES, "book.yaml")
    text = _read_text(yaml_path)
    book = load_mapping(text, yaml_path, "book.yaml")
    if "parts" in book.data:
        return _load_parts_book(root, book, text)
    page = _load_page(book, text, root, root, "book.yaml", [0])
    warnings = unknown_keys(book, BOOK_KEYS, "book.yaml")
    for chapter in page.chapters:
        warnings += chapter.warnings
    known = {"title", "kicker", "series", "moderator", "lede", "language", "chapters"}
    return Book(
        root=root,
        title=page.title,
        chapters=page.chapters,
        kicker=page.kicker,
        series=page.series,
        moderator=page.moderator,
        lede=page.lede,
        language=_language(book),
        meta={k: v for k, v in book.data.items() if k not in known},
        warnings=tuple(warnings),
    )


def _optional(mapping: Mapping, key: str) -> str | None:
    if mapping.data.get(key) in (None, ""):
        return None
    return _text(mapping, key)


def _lede(mapping: Mapping) -> tuple[Block, ...]:
    lede_text = _optional(mapping, "lede")
    lede_line = mapping.line("lede") or 1
    if not lede_text:
        return ()
    limits.check_text_size(lede_text, limits.LEDE_BYTES, "the lede", mapping.path, lede_line)
    return lede_blocks(lede_text, lede_line + 1, mapping.path)


def _load_page(
    mapping: Mapping, text: str, root: Path, folder: Path, what: str, total: list[int]
) -> Part:
    """What one source page holds (a single-page book.yaml, or a part.yaml): headline,
    overline, series, moderator, standfirst and its chapters, which live in ``folder``.
    ``total`` counts the bytes of the book's chapters so far, against the book's limit."""
    data = mapping.data
    for key in REQUIRED_BOOK_KEYS:
        if key not in data or data[key] in (None, ""):
            raise BookError(
                f"{what} lacks the required key '{key}'",
                path=mapping.path,
                hint=f"add a '{key}:' line; see docs/MANUSCRIPT.md for the keys",
            )
    title = _text(mapping, "title")
    chapters_line = mapping.line("chapters")
    names = data["chapters"]
    if not isinstance(names, list) or not names:
        raise BookError(
            "'chapters' must be a list of file names, one '  - NAME.md' line each",
            path=mapping.path,
            line=chapters_line,
        )
    chapters = []
    seen: set[Path] = set()
    line = chapters_line
    for name in names:
        # Each item after the one before: a name listed twice is reported at its second line.
        line = _item_line(text, name, line + 1 if line else None, chapters_line)
        path = resolve_inside(folder, name, what="chapter", path=mapping.path, line=line)
        if path.is_dir():
            raise BookError(
                f"chapter '{name}' is a folder, not a file",
                path=mapping.path,
                line=line,
                hint="list the Markdown files (NN-name.md) of the chapters, not a folder",
            )
        if not path.is_file():
            raise BookError(
                f"chapter '{name}' is listed but does not exist",
                path=mapping.path,
                line=line,
                hint=f"create {path.name} in {folder.name}/, or correct the name",
            )
        if path in seen:
            raise BookError(f"chapter '{name}' is listed twice", path=mapping.path, line=line)
        seen.add(path)
        total[0] += limits.check_file_size(path, limits.CHAPTER_BYTES, "the chapter file")
        if total[0] > limits.BOOK_BYTES:
            raise BookError(
                f"the chapters up to '{name}' are {total[0]:,} bytes, above the limit of "
                f"{limits.BOOK_BYTES // limits.MIB} MB for a book",
                path=mapping.path,
                line=line,
                hint="make it two books",
            )
        chapters.append(load_chapter(path))
    return Part(
        folder=folder,
        title=title,
        chapters=tuple(chapters),
        first=0,
        kicker=_optional(mapping, "kicker"),
        series=_optional(mapping, "series"),
        moderator=_optional(mapping, "moderator"),
        lede=_lede(mapping),
    )


def _load_parts_book(root: Path, book: Mapping, text: str) -> Book:
    """A book collected from several pages: book.yaml names part folders, each with a
    part.yaml like a single page's book.yaml (docs/MANUSCRIPT.md)."""
    data, yaml_path = book.data, book.path
    if "chapters" in data:
        raise BookError(
            "book.yaml has both 'chapters' and 'parts': a book has one or the other",
            path=yaml_path,
            line=book.line("chapters"),
            hint="move the chapters into a part folder's part.yaml, or remove 'parts'",
        )
    if data.get("title") in (None, ""):
        raise BookError(
            "book.yaml lacks the required key 'title' (the book's own title)",
            path=yaml_path,
            hint="add a 'title:' line; see docs/MANUSCRIPT.md for the keys",
        )
    title = _text(book, "title")
    language = _language(book)
    parts_line = book.line("parts")
    names = data["parts"]
    if not isinstance(names, list) or not names:
        raise BookError(
            "'parts' must be a list of part folders, one '  - FOLDER' line each",
            path=yaml_path,
            line=parts_line,
        )
    warnings = unknown_keys(book, PARTS_BOOK_KEYS, "a book.yaml with parts")
    parts: list[Part] = []
    chapters: list[Chapter] = []
    seen: set[Path] = set()
    total = [0]
    line = parts_line
    for name in names:
        line = _item_line(text, name, line + 1 if line else None, parts_line)
        folder = resolve_inside(root, str(name), what="part", path=yaml_path, line=line)
        if folder == root.resolve():
            raise BookError(f"part '{name}' is the book folder itself", path=yaml_path, line=line)
        part_yaml = folder / "part.yaml"
        if not folder.is_dir() or not part_yaml.is_file():
            missing = "folder" if not folder.is_dir() else "part.yaml in the folder"
            raise BookError(
                f"part '{name}' is listed but its {missing} does not exist",
                path=yaml_path,
                line=line,
                hint="each part is a folder in the book folder with a part.yaml "
                "(title, chapters ...), or correct the name",
            )
        if folder in seen:
            raise BookError(f"part '{name}' is listed twice", path=yaml_path, line=line)
        seen.add(folder)
        limits.check_file_size(part_yaml, limits.BOOK_YAML_BYTES, "part.yaml")
        part_text = _read_text(part_yaml)
        mapping = load_mapping(part_text, part_yaml, "part.yaml")
        if mapping.data.get("language") not in (None, "") and _language(mapping) != language:
            raise BookError(
                f"part '{name}' is in {_language(mapping)} and the book in {language}: "
                "a book is set in one script",
                path=part_yaml,
                line=mapping.line("language"),
                hint="collect the pages of each script in a book of their own, or set the "
                "book's 'language:' in book.yaml to the script all its parts share",
            )
        page = _load_page(mapping, part_text, root, folder, f"{name}/part.yaml", total)
        page = replace(page, chapters=tuple(replace(c, folder=folder.name) for c in page.chapters))
        warnings += unknown_keys(mapping, PART_KEYS, "part.yaml")
        for chapter in page.chapters:
            warnings += chapter.warnings
        parts.append(replace(page, first=len(chapters)))
        chapters += page.chapters
    if len(set(c.path for c in chapters)) != len(chapters):
        raise BookError("a chapter file is listed by two parts", path=yaml_path, line=parts_line)
    preface = _preface(root, book)
    known = {"title", "kicker", "series", "moderator", "lede", "language", "parts", "preface"}
    return Book(
        root=root,
        title=title,
        chapters=tuple(chapters),
        kicker=_optional(book, "kicker"),
        series=_optional(book, "series"),
        moderator=_optional(book, "moderator"),
        lede=_lede(book),
        language=language,
        meta={k: v for k, v in data.items() if k not in known},
        warnings=tuple(warnings),
        parts=tuple(parts),
        preface=preface,
    )


PREFACE_TITLE = "前言"


def _preface(root: Path, book: Mapping) -> Chapter | None:
    """``preface:``, a Markdown file in the book folder: its body is read like a chapter's;
    front matter is optional (``title:`` names it, ``前言`` otherwise; ``panelist:`` signs it)."""
    name = book.data.get("preface")
    if name in (None, ""):
        return None
    line = book.line("preface")
    path = resolve_inside(root, str(name), what="preface", path=book.path, line=line)
    if not path.is_file():
        raise BookError(
            f"preface '{name}' does not exist" + (" (it is a folder)" if path.is_dir() else ""),
            path=book.path,
            line=line,
            hint="write the preface as a Markdown file in the book folder, or remove 'preface:'",
        )
    limits.check_file_size(path, limits.CHAPTER_BYTES, "the preface")
    text = _read_text(path)
    if text.split("\n", 1)[0].strip() == FRONT_MATTER_FENCE:
        return load_chapter(path, required=())
    check_characters(text, path)
    unreferenced_note(text, path, 1)
    blocks, notes = parse_body(text, 1, path)
    if not blocks:
        raise BookError("the preface is empty", path=path, line=1)
    return Chapter(path=path, panelist="", title=PREFACE_TITLE, blocks=blocks, notes=notes)
