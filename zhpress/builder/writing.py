"""Write the editions: atomically, and as fast as the machine allows.

``build`` calls one function, ``write``: every out-of-date edition is written to a temporary
file beside its target, and all are renamed into place only when every one is complete, so an
error or a killed build never leaves a half-written file and keeps the previous editions.

Behind that call is the speed machinery (README, "Speed"): the book is composed once and
WeasyPrint imported once before forking; a single print edition is laid out by a renderer
forked before anything else (``parallel``: taken from the stand-by the command line forked
first thing, or forked here), which imports WeasyPrint while this process composes; the other
editions are written by forked children while this process writes the EPUB; garbage
collection is off until the editions are in place; a long book lays its PDFs out one after
the other. ``finish`` collects the children that were left to exit while the build went on.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from pathlib import Path

from ..errors import ChecksFailed, ZhpressError
from ..manuscript.model import Book
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

PRINT_EDITIONS = ("reader", "press")
LONG_BOOK_CHARS = 300_000
"""Above this many characters (about 530 A5 pages) the print editions are laid out one after
the other, unless the memory available allows both (``parallel_layout_fits``). A WeasyPrint
process holds every laid-out page until the PDF is written: measured,
330 MB for the 341-page reader of 192,000 characters, about 1.2 KB a character beyond the
100 MB every process starts with; two such processes at once stay under 1 GB up to here."""


LAYOUT_BYTES_PER_CHAR = 1200
LAYOUT_BASE_BYTES = 100 * 1024 * 1024


def memory_available() -> int | None:
    """MemAvailable from /proc/meminfo in bytes, or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def parallel_layout_fits(chars: int, jobs: int) -> bool:
    """Whether the print editions of a book of ``chars`` characters may be laid out at once.

    Up to LONG_BOOK_CHARS, always. Above it, only when two layouts (measured: 100 MB and
    1.2 KB a character each, at most) take no more than half of the memory available now: a
    1 MB chapter (340,000 characters) laid out one PDF after the other took 37 s, over the
    30 s a build of that size may take, on a machine with gigabytes to spare."""
    if chars <= LONG_BOOK_CHARS:
        return True
    available = memory_available()
    need = min(jobs, 2) * (LAYOUT_BASE_BYTES + LAYOUT_BYTES_PER_CHAR * chars)
    return available is not None and need <= available // 2


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
    """Yield a temporary path beside ``target``; rename it over ``target`` only on success.

    A folder in the target's place is refused before anything is written: found only at the
    rename, the editions renamed before it would already have replaced the previous set."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
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
    limit = jobs if parallel_layout_fits(len(book.text()), jobs) else 1
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


REJECTED = "rejected"
"""The folder (inside the output folder) where a set of editions that failed its checks is
kept for inspection, instead of replacing the previous, good set."""


class Rejected(ChecksFailed):
    """The new editions failed their checks and were kept aside (exit 1)."""


def reject(temps: dict[str, Path], targets: dict[str, Path], cause: ZhpressError) -> Rejected:
    """Move the written editions to ``rejected/`` under their own names; the error that
    says where the rejected set and the previous one are."""
    folder = next(iter(targets.values())).parent / REJECTED
    folder.mkdir(exist_ok=True)
    kept = []
    for edition, tmp in temps.items():
        os.chmod(tmp, 0o644)
        os.replace(tmp, folder / targets[edition].name)
        kept.append(folder / targets[edition].name)
    previous = [p.name for p in targets.values() if p.exists()]
    return Rejected(
        f"{cause.message}; the new editions are kept in {folder}/ for inspection "
        f"({', '.join(p.name for p in kept)}), and "
        + (
            f"the previous ones in {folder.parent}/ are untouched ({', '.join(previous)})"
            if previous
            else f"{folder.parent}/ has no previous editions"
        ),
        hint=cause.hint,
    )


def forget_rejected(targets: dict[str, Path]) -> None:
    """A set that passed makes the rejected copies of the same editions obsolete."""
    for path in targets.values():
        (path.parent / REJECTED / path.name).unlink(missing_ok=True)
        try:
            (path.parent / REJECTED).rmdir()
        except OSError:
            pass  # not empty (another book's rejected editions) or not there


def write(
    book: Book,
    targets: dict[str, Path],
    *,
    jobs: int | None,
    report: Progress,
    preflight: Callable[[], None],
    verify: Callable[[dict[str, Path]], None] | None = None,
) -> None:
    """Write each edition of ``targets`` (edition -> path), composing the book once; the
    editions replace the previous ones only when all are written, and (``verify``) all pass
    their checks. ``preflight`` runs once, before anything is composed or written (off the
    critical path when it can be). The editions are one set (the EPUB's page list refers to
    the reader PDF): if ``verify`` raises ChecksFailed, none replaces the previous set and the
    new set goes to ``rejected/``."""
    if not any(e in PRINT_EDITIONS for e in targets):
        dismiss()  # a renderer forked ahead (cli) has nothing to lay out: stop it now
    if targets:
        try:
            with ExitStack() as stack:
                # No garbage collection until the editions are in place (weasy.no_collection):
                # re-enabled earlier, the collector would walk the freed layout before the rename.
                from ..editions.weasy import no_collection

                stack.enter_context(no_collection())
                temps = {e: stack.enter_context(atomic_output(path)) for e, path in targets.items()}
                write_editions(
                    book,
                    temps,
                    jobs=jobs or default_jobs(),
                    report=report,
                    targets=targets,
                    preflight=preflight,
                )
                if verify is not None:
                    try:
                        verify(temps)
                    except ChecksFailed as exc:
                        raise reject(temps, targets, exc) from None
                # Everything written: only now do the editions replace the previous ones.
            forget_rejected(targets)
        except BaseException:
            reap()
            raise
    if "zhpress.editions.weasy" in sys.modules:
        sys.modules["zhpress.editions.weasy"].release()


def finish() -> None:
    """Collect the forked editions' processes, left to exit while the build went on."""
    reap()
