"""The build: load the manuscript once, write each edition atomically, then run the fast checks.

Each edition is written to a temporary file in the output folder, and the editions are
renamed into place only when all of them are complete, so an error or a killed build never
leaves a half-written file and never destroys the previous editions.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack, contextmanager
from pathlib import Path

from ..editions.paths import edition_paths
from ..errors import EXIT_OK
from ..manuscript.load import Book, load_book
from .parallel import (
    Child,
    default_jobs,
    dismiss,
    fork_edition,
    fork_renderer,
    reap,
    stop,
    take_standby,
    wait_children,
)
from .progress import Progress

ALL_EDITIONS = ("reader", "press", "epub")
PRINT_EDITIONS = ("reader", "press")
LONG_BOOK_CHARS = 300_000
"""Above this many characters (about 530 A5 pages) the print editions are laid out one after
the other. A WeasyPrint process holds every laid-out page until the PDF is written: measured,
330 MB for the 341-page reader of 192,000 characters, about 1.2 KB a character beyond the
100 MB every process starts with; two such processes at once stay under 1 GB up to here."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def remove_stale_parts(target: Path) -> list[Path]:
    """Delete temporary files a killed build left for ``target``.

    Each is named after the process writing it (``.NAME.PID.XXXX.part``), so a file whose
    process is gone is debris, while one whose process is alive belongs to a build running
    at the same time and is left alone.
    """
    removed = []
    for part in target.parent.glob(f".{target.name}.*.part"):
        pid_text = part.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            try:
                part.unlink()
            except OSError:
                continue
            removed.append(part)
    return removed


@contextmanager
def atomic_output(target: Path):
    """Yield a temporary path beside ``target``; rename it over ``target`` only on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(target)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


Writer = Callable[[Book, Path, Callable[[str], None]], None]


def _writers() -> dict[str, Writer]:
    """Edition writers, imported lazily: WeasyPrint alone takes most of a second to import."""

    def reader(book: Book, path: Path, progress: Callable[[str], None]) -> None:
        from ..editions.pdf import write_reader

        write_reader(book, path, progress)

    def press(book: Book, path: Path, progress: Callable[[str], None]) -> None:
        from ..editions.pdf import write_press

        write_press(book, path, progress)

    def epub(book: Book, path: Path, progress: Callable[[str], None]) -> None:
        from ..editions.epub import write_epub

        write_epub(book, path, progress)

    return {"reader": reader, "press": press, "epub": epub}


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
) -> int:
    """Build the wanted editions; an edition whose inputs have not changed is left as it is.

    With more than one job, the editions are written at the same time by forked processes:
    the book is loaded, WeasyPrint imported and the lines composed once, before the fork, so
    each child only lays out and writes its own edition (for a single print edition, the
    child imports WeasyPrint while this process composes). The bytes are the same either way.
    """
    from . import state

    report = progress or Progress()
    started = time.perf_counter()
    book = load_book(book_dir)
    wanted = tuple(dict.fromkeys(only)) if only else ALL_EDITIONS
    paths = edition_paths(book, out)
    inputs = state.inputs_digest(book.root)
    prints = {e: state.fingerprint(book.root, e, inputs) for e in wanted}
    todo = []
    for edition in wanted:
        if not force and state.is_current(out, edition, paths[edition], prints[edition]):
            report.up_to_date(edition, paths[edition])
        else:
            todo.append(edition)

    def preflight() -> None:
        """References and glyphs, named by chapter:line, before any output is written."""
        from ..typeset.plan import preflight

        preflight(book)

    if not any(e in PRINT_EDITIONS for e in todo):
        dismiss()  # a renderer forked ahead (cli) has nothing to lay out: stop it now
    for edition in todo:
        state.forget(out, edition)
    # Nothing to write, nothing to check or compose: the references and glyphs of an unchanged
    # book were checked when its editions were written.
    if todo:
        try:
            with ExitStack() as stack:
                # No garbage collection until the editions are in place (weasy.no_collection):
                # re-enabled earlier, the collector would walk the freed layout before the rename.
                from ..editions.weasy import no_collection

                stack.enter_context(no_collection())
                temps = {e: stack.enter_context(atomic_output(paths[e])) for e in todo}
                write_editions(
                    book,
                    temps,
                    jobs=jobs or default_jobs(),
                    report=report,
                    targets=paths,
                    preflight=preflight,
                )
                # Everything written: only now do the editions replace the previous ones.
        except BaseException:
            reap()
            raise
    if "zhpress.editions.weasy" in sys.modules:
        sys.modules["zhpress.editions.weasy"].release()
    built = todo
    try:
        if run_checks and built:
            from ..checks.run import fast_checks

            fast_checks(book, {e: paths[e] for e in built})
        for edition in built:
            state.record(out, edition, paths[edition], prints[edition])
    finally:
        reap()  # the forked editions' processes, left to exit while this one went on
    report.finish(
        f"built {len(built)} of {len(wanted)} edition(s) in {time.perf_counter() - started:.2f} s"
    )
    return EXIT_OK


def prepare_print(book: Book) -> None:
    """Import WeasyPrint and compose the book once, so forked editions share both."""
    from ..editions import weasy
    from ..typeset.composed_book import composed

    weasy.load()
    composed(book)
    weasy.settle()


def write_editions(
    book: Book,
    temps: dict[str, Path],
    *,
    jobs: int,
    report: Progress,
    targets: dict[str, Path] | None = None,
    preflight: Callable[[], None] = lambda: None,
) -> None:
    """Write each edition to its temporary path; raise the first error after all finished.

    ``preflight`` runs once before anything is composed or written; with a single print
    edition it runs while the forked child is still importing WeasyPrint, off the critical
    path."""
    children: list[Child] = []
    try:
        _write_editions(book, temps, children, jobs, report, targets or temps, preflight)
    except BaseException:
        stop(children)
        raise


def _write_editions(
    book: Book,
    temps: dict[str, Path],
    children: list[Child],
    jobs: int,
    report: Progress,
    targets: dict[str, Path],
    preflight: Callable[[], None],
) -> None:
    writers = _writers()
    editions = list(temps)
    errors: list[BaseException] = []
    prints = [e for e in editions if e in PRINT_EDITIONS]
    can_fork = jobs > 1 and hasattr(os, "fork")
    if can_fork and len(prints) == 1 and "weasyprint" not in sys.modules:
        # One print edition, WeasyPrint not imported yet: a child imports it while this
        # process composes the book, then lays out the page it is sent.
        edition = prints[0]
        try:
            renderer = take_standby(edition) or fork_renderer(edition)
        except OSError:  # no process to spare: write it here, as with --jobs 1
            return _write_editions(book, temps, children, 1, report, targets, preflight)
        report.start(edition, targets[edition])
        try:
            preflight()
            preflight = lambda: None  # noqa: E731 - done; the rest must not repeat it
            from ..editions.pdf import fetch_roots, render_sections

            report.stage(edition, "compose")
            sections = render_sections(book, press=edition == "press")
            roots = fetch_roots(book, press=edition == "press")
        except BaseException:
            renderer.cancel()
            report.failed(edition)
            raise
        renderer.send(sections, roots, temps[edition], press=edition == "press")
        children.append(renderer.child)
        editions.remove(edition)
    preflight()
    parallel = can_fork and len(editions) > 1
    if parallel and any(e in PRINT_EDITIONS for e in editions):
        prepare_print(book)
    # At most this many print editions are laid out at once (see LONG_BOOK_CHARS); the
    # parent's own edition (the EPUB) is short, so it does not count against ``jobs``.
    limit = 1 if len(book.text()) > LONG_BOOK_CHARS else jobs
    for n, edition in enumerate(editions):
        last = n == len(editions) - 1
        if parallel and not last:
            running = [c for c in children if not c.reaped]
            if len(running) >= limit:
                errors += wait_children(running[:1], report, targets)
            report.start(edition, targets[edition])
            try:
                children.append(fork_edition(edition, writers[edition], book, temps[edition]))
                continue
            except OSError:  # no process to spare: write it here instead
                pass
        else:
            report.start(edition, targets[edition])
        # The parent writes the last edition itself (the EPUB, normally: the shortest).
        t0 = time.perf_counter()
        try:
            writers[edition](book, temps[edition], lambda name, e=edition: report.stage(e, name))
        except BaseException as exc:
            if not children or not isinstance(exc, Exception):
                # Alone, or interrupted (Ctrl-C, SIGTERM): no waiting for the other editions;
                # write_editions stops them.
                report.failed(edition)
                raise
            errors.append(exc)
            report.failed(edition)
        else:
            report.done(edition, time.perf_counter() - t0, targets[edition])
        for child in children:
            child.poll(report, block=False)
    errors += wait_children([c for c in children if not c.reaped], report, targets)
    if errors:
        raise errors[0]


__all__ = ["ALL_EDITIONS", "atomic_output", "build"]
