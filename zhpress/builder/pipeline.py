"""The build, as a story: load the manuscript, compose and write the editions, check them.

Only the editions whose inputs changed are written (``state``). How they are written fast
(forked processes, a renderer forked ahead, garbage collection off, atomic renames) is the
business of ``writing``; what is checked, of ``checks``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from pathlib import Path

from ..editions.paths import edition_paths
from ..errors import EXIT_OK, file_system_error
from ..manuscript.load import load_book
from ..manuscript.model import Book
from . import output_folder, writing
from .progress import Progress

ALL_EDITIONS = ("reader", "press", "epub")
PRINT_EDITIONS = writing.PRINT_EDITIONS


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(
    book_dir: Path,
    out: Path,
    *,
    only: Iterable[str] | None = None,
    run_checks: bool = True,
    force: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    wait: bool = True,
) -> int:
    """Build the wanted editions; an edition whose inputs have not changed is left as it is.

    Another build writing into ``out`` is waited for, or if not ``wait`` the build is refused
    (``output_folder.FolderBusy``, exit 2) before anything is written.

    With more than one job, the editions are written at the same time by forked processes:
    the book is loaded, WeasyPrint imported and the lines composed once, before the fork, so
    each child only lays out and writes its own edition (for a single print edition, the
    child imports WeasyPrint while this process composes). The bytes are the same either way.
    """
    report = progress or Progress()
    started = time.perf_counter()
    # 1. Load: the manuscript, once, into the Book model every later stage reads.
    book = load_book(book_dir)
    for warning in book.warnings:
        log(f"warning: {warning}")
    try:
        with output_folder.build_lock(out, book_dir, wait=wait):
            output_folder.check_claim(out, book_dir, force=force)
            built, wanted = _build_into(book, out, only, run_checks, force, jobs, report)
            output_folder.claim(out, book_dir)
    except OSError as exc:  # the disk refused: name the path (else the folder) and what to do
        raise file_system_error(exc, out) from exc
    report.finish(
        f"built {built} of {len(wanted)} edition(s) in {time.perf_counter() - started:.2f} s"
    )
    return EXIT_OK


def _build_into(
    book: Book,
    out: Path,
    only: Iterable[str] | None,
    run_checks: bool,
    force: bool,
    jobs: int | None,
    report: Progress,
) -> tuple[int, tuple[str, ...]]:
    """Steps 2-4 under the folder's lock; returns how many editions were built, of which."""
    from . import state

    wanted = tuple(dict.fromkeys(only)) if only else ALL_EDITIONS
    paths = edition_paths(book, out)
    inputs = state.inputs_digest(book.root)
    prints = {e: _fingerprint(book.root, e, inputs) for e in wanted}
    todo: dict[str, Path] = {}
    for edition in wanted:
        if not force and state.is_current(out, edition, paths[edition], prints[edition]):
            report.up_to_date(edition, paths[edition])
        else:
            todo[edition] = paths[edition]
            state.forget(out, edition)

    def preflight() -> None:
        """References and glyphs, named by chapter:line, before any output is written."""
        from ..typeset.plan import check_references_and_glyphs

        check_references_and_glyphs(book)

    def verify(temps: dict[str, Path]) -> None:
        """Before the new set replaces anything: the EPUB written again if the reader's pages
        moved (it took the page map of the last layout), then the fast checks on this
        build's own files. The PDFs are read once for both (a 1 MB chapter's reader PDF
        took seconds to read again)."""
        from ..checks.outputs import Outputs

        outputs = Outputs(book, temps)
        if "epub" in temps and "reader" in temps and _page_list_moved(outputs):
            from ..editions.epub import write_epub

            log("the reader's pages moved: writing the EPUB again with their page list")
            write_epub(book, temps["epub"], lambda name: report.stage("epub", name))
            outputs.forget("epub")
            prints["epub"] = _fingerprint(book.root, "epub", inputs)
        if run_checks:
            from ..checks.run import fast_checks

            fast_checks(book, temps, outputs)

    # Nothing to write, nothing to check or compose: the references and glyphs of an unchanged
    # book were checked when its editions were written.
    try:
        # 2-4. Compose the book once, write every edition that is out of date, check the new
        # set: it replaces the previous one only if it passes (else it goes to rejected/).
        writing.write(
            book,
            todo,
            jobs=jobs,
            report=report,
            preflight=preflight,
            verify=verify if todo else None,
        )
        # 5. Remember what each edition was built from.
        for edition, path in todo.items():
            state.record(out, edition, path, prints[edition])
    finally:
        writing.finish()
    return len(todo), wanted


def _fingerprint(root: Path, edition: str, inputs: str) -> str:
    """What an edition was built from. The EPUB's includes the reader's page map
    (``editions.pagemap``): a reader layout that moved a page makes the EPUB out of date."""
    from . import state

    if edition == "epub":
        from ..editions import pagemap

        inputs = f"{inputs}|{pagemap.digest(root)}"
    return state.fingerprint(root, edition, inputs)


def _page_list_moved(outputs) -> bool:
    """Whether the EPUB's page list differs from the reader PDF just written beside it."""
    from ..checks.page_list import differences

    try:
        return bool(differences(outputs))
    except Exception:
        return False


__all__ = ["ALL_EDITIONS", "build"]
