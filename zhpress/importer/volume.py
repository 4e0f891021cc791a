"""``python build.py import A.txt B.txt … --title 书名``: several pages into one book.

A publisher collects a column's pages (a year of 圆桌论坛) into a volume. Each page goes
through exactly the single-page importer (``draft.build_draft`` and ``draft.render_files``),
so a part folder holds byte for byte what importing that page alone would write, its
``book.yaml`` named ``part.yaml`` (docs/MANUSCRIPT.md, "A book of several pages"). This module
only adds what a volume has and a page has not: the part folders' names, the book's own
``book.yaml`` with ``parts:``, one review list with a section per page, and the atomic write of
the whole book: every page is read and imported before anything is written, so one page that
is not a page stops the import with nothing written.

One source file without ``--title`` is today's single-page import, untouched.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import pinyin
from ..cjk import is_han
from ..errors import EXIT_OK, BookError, SourceError
from .decode import Decoded, read_source
from .draft import (
    REVIEW_FILE,
    Draft,
    _refuse_to_overwrite,
    _scalar,
    _verify,
    build_draft,
    import_page,
    render_files,
    render_review,
    replace_folder,
)
from .variant import to_simplified

PART_FILE = "part.yaml"
PAGE_FILE = "book.yaml"
"""What the single-page import calls the page's keys; a part folder calls them part.yaml."""
SLUG_CHARS = 24
"""A part folder's slug stops at the word that would make it longer (foshan-xinxing-gongyehua):
long enough to tell the parts apart in a listing, short enough to read."""
TITLE_HINT = "give the book's own title with --title, e.g. --title 圆桌论坛二〇二四"


@dataclass
class Part:
    """One page of the volume: where it came from, its draft and its files."""

    source: Path
    decoded: Decoded
    draft: Draft
    files: dict[str, str]
    folder: str = ""


def page_sources(sources: list[Path]) -> list[Path]:
    """The pages in reading order: files as given, a folder's ``*.txt`` files in name order.

    A page given twice would become two identical parts; that is a slip of the command line,
    not a book, so it is refused."""
    pages: list[Path] = []
    for source in sources:
        if source.is_dir():
            found = sorted(
                (p for p in source.iterdir() if p.suffix == ".txt" and p.is_file()),
                key=lambda p: p.name,
            )
            if not found:
                raise SourceError(
                    "the folder holds no pages (*.txt files)",
                    path=source,
                    hint="give the OCR text files, or a folder of them",
                )
            pages.extend(found)
        else:
            pages.append(source)
    seen: dict[Path, Path] = {}
    for page in pages:
        key = page.resolve()
        if key in seen:
            raise SourceError(
                "the page is given twice",
                path=page,
                hint=f"it is also {seen[key]}; give each page once",
            )
        seen[key] = page
    return pages


def _reading(word: str) -> str:
    return "".join(re.sub(r"[^a-z0-9]+", "", s.lower()) for s in pinyin.syllables(word))


def headline_slug(title: str) -> str:
    """The headline's first words in toneless pinyin: 佛山新型工业化如何闯出新路？ ->
    ``foshan-xinxing-gongyehua``.

    Words are pypinyin's segmentation of the Simplified form (character for character, so a
    Traditional headline gets the same slug as its Simplified twin); the segmenter leaves many
    words as single characters (新 型), so a run of one-character words is read as one word
    (xinxing). Punctuation separates words and is dropped."""
    tokens: list[str] = []
    run = ""
    for word in pinyin.words(to_simplified(title)):
        reading = _reading(word)
        if len(word) == 1 and reading:
            run += reading
            continue
        if run:
            tokens.append(run)
            run = ""
        if reading:
            tokens.append(reading)
    if run:
        tokens.append(run)
    if not tokens:
        return "part"
    slug = tokens[0][:SLUG_CHARS]
    for token in tokens[1:]:
        if len(slug) + 1 + len(token) > SLUG_CHARS:
            break
        slug += "-" + token
    return slug


def part_folders(titles: list[str]) -> list[str]:
    """``NN-<slug>`` per part, numbered in reading order: the number keeps them unique (two
    pages of one column may share a headline) and sorts a listing as the book reads."""
    width = max(2, len(str(len(titles))))
    return [f"{n:0{width}d}-{headline_slug(t)}" for n, t in enumerate(titles, start=1)]


def book_title(title: str | None) -> str:
    """The volume's own title from ``--title``: required, one line of text."""
    if title is None:
        raise SourceError(
            "a book of several pages needs its own title",
            hint=TITLE_HINT,
        )
    title = title.strip()
    if not title or not any(is_han(ch) or ch.isalnum() for ch in title):
        raise SourceError("--title is empty", hint=TITLE_HINT)
    if any(unicodedata.category(ch).startswith("C") for ch in title):
        raise SourceError("--title must be one line of printable text", hint=TITLE_HINT)
    return title


def _shared(parts: list[Part], key: str) -> str | None:
    """The value every part.yaml gives ``key``, when they all give the same one."""
    values = {yaml.safe_load(p.files[PAGE_FILE]).get(key) for p in parts}
    if len(values) != 1:
        return None
    (value,) = values
    return value if isinstance(value, str) and value else None


def render_book_yaml(title: str, parts: list[Part]) -> str:
    """The book's own keys: its title, the series and language all its pages share, parts."""
    lines = [f"title: {_scalar(title)}"]
    for key in ("series", "language"):
        value = _shared(parts, key)
        if value is not None:
            lines.append(f"{key}: {_scalar(value)}")
    lines.append("parts:")
    lines += [f"  - {p.folder}" for p in parts]
    return "\n".join(lines) + "\n"


def render_volume_review(parts: list[Part]) -> str:
    """One checklist for the book, a section per page naming its source and part folder, so
    the editor works through the pages in the book's order; a page with nothing to check says
    so rather than disappearing from the list."""
    out = render_review([]).rstrip("\n") + "\n"
    for part in parts:
        out += f"\n## {part.folder} ({part.source})\n\n"
        if part.draft.review:
            out += "".join(f"- [ ] {entry}\n" for entry in part.draft.review)
        else:
            out += "Nothing to review on this page.\n"
    return out


def _import_parts(pages: list[Path]) -> list[Part]:
    parts = []
    for page in pages:
        decoded = read_source(page)
        draft = build_draft(decoded, page)  # raises unless every character is accounted for
        files = render_files(draft)
        files.pop(REVIEW_FILE, None)  # the book's one review list has the page's section
        parts.append(Part(page, decoded, draft, files))
    folders = part_folders([p.draft.title for p in parts])
    for part, folder in zip(parts, folders, strict=True):
        part.folder = folder
    return parts


def _one_script(parts: list[Part]) -> None:
    """A book is set in one script (the manuscript loader refuses a Traditional part in a
    Simplified book): pages in both are refused here, before anything is written, rather than
    written as a book that does not load. Converting a page is an editor's decision."""
    languages = {p.source: yaml.safe_load(p.files[PAGE_FILE]).get("language") for p in parts}
    if len(set(languages.values())) <= 1:
        return
    listing = "; ".join(f"{source}: {language}" for source, language in languages.items())
    raise SourceError(
        f"the pages are in different scripts ({listing}); a book is set in one script",
        hint="import the Simplified and the Traditional pages as two books, or convert the "
        "pages of one script (OpenCC) before importing them",
    )


def _write_part(book: Path, part: Part) -> None:
    """The page's files as the single-page import writes them, read back with the manuscript
    loader as that import does (under book.yaml, the name the loader reads), then renamed."""
    folder = book / part.folder
    folder.mkdir()
    for name, content in part.files.items():
        (folder / name).write_bytes(content.encode("utf-8"))
    try:
        _verify(folder, part.draft)
    except SourceError as exc:
        raise SourceError(exc.message, path=part.source, hint=exc.hint) from None
    os.replace(folder / PAGE_FILE, folder / PART_FILE)


def _verify_book(book: Path, title: str, parts: list[Part]) -> None:
    """The whole book read back with the manuscript loader: its title and its parts, in order,
    each with its page's headline and contributions (each part was compared with its draft in
    full by ``_write_part``)."""
    from ..manuscript.load import load_book

    try:
        loaded = load_book(book)
    except BookError as exc:
        raise SourceError(f"the book does not load as a manuscript (a bug): {exc}") from None
    got = (
        loaded.title,
        [(p.folder.name, p.title, [c.panelist for c in p.chapters]) for p in loaded.parts],
    )
    want = (
        title,
        [(p.folder, p.draft.title, [c.panelist for c in p.draft.chapters]) for p in parts],
    )
    if got != want:
        raise SourceError("the written book does not read back as imported (a bug)")


def write_volume(out: Path, title: str, parts: list[Part], *, force: bool) -> None:
    """Write the whole book into a sibling temporary folder, then swap it in with renames,
    as the single-page import does: a failure keeps the previous folder and leaves nothing."""

    def fill(tmp: Path) -> None:
        for part in parts:
            _write_part(tmp, part)
        (tmp / "book.yaml").write_bytes(render_book_yaml(title, parts).encode("utf-8"))
        _verify_book(tmp, title, parts)
        if any(p.draft.review for p in parts):
            (tmp / REVIEW_FILE).write_bytes(render_volume_review(parts).encode("utf-8"))

    replace_folder(out, fill, force=force)


def import_volume(
    sources: list[Path], out: Path, *, title: str | None, force: bool = False, report: bool = False
) -> int:
    out = Path(out)
    title = book_title(title)
    pages = page_sources([Path(s) for s in sources])
    _refuse_to_overwrite(out, force)  # before the slow work, and again before writing
    parts = _import_parts(pages)
    _one_script(parts)
    write_volume(out, title, parts, force=force)
    for part in parts:
        draft = part.draft
        paragraphs_n = sum(len(c.paragraphs) for c in draft.chapters)
        print(
            f"imported {part.source} ({part.decoded.encoding}, {part.decoded.newline} line "
            f"ends): {len(draft.chapters)} chapters, {paragraphs_n} paragraphs, "
            f"{len(draft.lede)} lede paragraph(s) -> {out / part.folder}"
        )
        if report:
            assert draft.account is not None
            print(f"# {part.source} -> {part.folder}")
            print(draft.account.render())
    print(f"book of {len(parts)} parts ({title}) -> {out}")
    review = [(p, entry) for p in parts for entry in p.draft.review]
    for part, entry in review:
        print(f"warning: {part.folder}: {entry}", file=sys.stderr)
    if review:
        print(f"{len(review)} decision(s) to review: {out / REVIEW_FILE}", file=sys.stderr)
    return EXIT_OK


def import_pages(
    sources: list[Path],
    out: Path,
    *,
    title: str | None = None,
    force: bool = False,
    report: bool = False,
) -> int:
    """``import``: one page file without ``--title`` is a book of one page, as always; several
    pages, a folder of pages or a ``--title`` make a book of parts."""
    if len(sources) == 1 and title is None and not Path(sources[0]).is_dir():
        return import_page(sources[0], out, force=force, report=report)
    return import_volume(sources, out, title=title, force=force, report=report)
