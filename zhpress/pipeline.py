"""The build: load the manuscript once, write each edition atomically, then run the fast checks.

Each edition is written to a temporary file in the output folder and renamed into place only
when complete, so an error or a killed build never leaves a half-written file and never
destroys the previous edition.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from .errors import EXIT_OK, BookError
from .manuscript import Book, load_book

ALL_EDITIONS = ("reader", "press", "epub")


def slug_of(book: Book) -> str:
    """File stem of the editions: ``slug`` from book.yaml, else the title in toneless pinyin."""
    given = book.meta.get("slug")
    if given:
        slug = re.sub(r"[^a-z0-9-]+", "-", str(given).lower()).strip("-")
        if slug:
            return slug
    return pinyin_slug(book.title) or "book"


def pinyin_slug(text: str) -> str:
    """Toneless pinyin, words joined as in Hanyu Pinyin orthography (GB/T 16159), by '-'.

    pypinyin's dictionary segmenter finds the words it knows; runs of single characters it
    does not know are joined into one word rather than left as a string of syllables.
    """
    from pypinyin import lazy_pinyin
    from pypinyin.seg.mmseg import seg

    words: list[str] = []
    single = False
    for segment in seg.cut(text):
        syllables = [s.lower() for s in lazy_pinyin(segment) if s.isascii() and s.isalnum()]
        if not syllables:
            single = False
            continue
        word = "".join(syllables)
        if len(segment) == 1 and single and words:
            words[-1] += word
        else:
            words.append(word)
        single = len(segment) == 1
    return "-".join(words)[:60].strip("-")


def edition_paths(book: Book, out: Path) -> dict[str, Path]:
    slug = slug_of(book)
    return {
        "reader": out / f"{slug}.pdf",
        "press": out / f"{slug}-print.pdf",
        "epub": out / f"{slug}.epub",
    }


@contextmanager
def atomic_output(target: Path):
    """Yield a temporary path beside ``target``; rename it over ``target`` only on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _writers() -> dict[str, Callable[[Book, Path], None]]:
    """Edition writers, imported lazily: WeasyPrint alone takes most of a second to import."""
    writers: dict[str, Callable[[Book, Path], None]] = {}

    def reader(book: Book, path: Path) -> None:
        from .pdf import write_reader

        write_reader(book, path)

    def press(book: Book, path: Path) -> None:
        from .pdf import write_press

        write_press(book, path)

    def epub(book: Book, path: Path) -> None:
        from .epub import write_epub

        write_epub(book, path)

    writers.update(reader=reader, press=press, epub=epub)
    return writers


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(
    book_dir: Path,
    out: Path,
    *,
    only: Iterable[str] | None = None,
    run_checks: bool = True,
    force: bool = False,
) -> int:
    """Build the wanted editions; an edition whose inputs have not changed is left as it is."""
    from . import state

    started = time.perf_counter()
    book = load_book(book_dir)
    wanted = tuple(dict.fromkeys(only)) if only else ALL_EDITIONS
    paths = edition_paths(book, out)
    writers = _writers()
    built: list[str] = []
    prints: dict[str, str] = {}
    checked = False
    for edition in wanted:
        prints[edition] = state.fingerprint(book.root, edition)
        if not force and state.is_current(out, edition, paths[edition], prints[edition]):
            log(f"[{edition}] up to date: {paths[edition]}")
            continue
        if not checked:
            from .check import preflight

            preflight(book)  # references and glyphs, named by chapter:line, before any output
            checked = True
        t0 = time.perf_counter()
        log(f"[{edition}] building {paths[edition]}")
        state.forget(out, edition)
        with atomic_output(paths[edition]) as tmp:
            writers[edition](book, tmp)
        built.append(edition)
        log(f"[{edition}] written in {time.perf_counter() - t0:.2f} s")
    if run_checks and built:
        from .check import fast_checks

        fast_checks(book, {e: paths[e] for e in built})
    for edition in built:
        state.record(out, edition, paths[edition], prints[edition])
    log(f"built {len(built)} of {len(wanted)} edition(s) in {time.perf_counter() - started:.2f} s")
    return EXIT_OK


__all__ = ["ALL_EDITIONS", "BookError", "atomic_output", "build", "edition_paths", "slug_of"]
