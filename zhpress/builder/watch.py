"""``python build.py watch``: rebuild on every save, keeping the process (and WeasyPrint) warm.

On Linux the kernel says when a file is written (inotify, through libc: no dependency), so a
save is seen at once and an idle watch costs nothing; elsewhere, or when inotify is not
available, sizes and mtimes are polled every 50 ms. Either way the decision to rebuild is
taken by comparing snapshots, so an event that changed nothing rebuilds nothing.

The reader PDF is rebuilt first, in this process, because it is what the editor has open; the
press PDF and the EPUB follow, built at the same time in forked children. Paragraphs that did
not change are not composed again (``typeset.composed_book`` remembers them). A broken manuscript
prints its error and watching goes on; the previous editions stay in place.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable
from pathlib import Path

from ..crash import report_bug
from ..errors import ZhpressError, file_system_error
from .pipeline import ALL_EDITIONS, PRINT_EDITIONS, build, log
from .progress import Progress
from .state import BOOK_OUTPUT, CODE_DIRS, ROOT

POLL_SECONDS = 0.05


def live_progress() -> Progress:
    """In watch mode every build is announced at once, with its stages."""
    return Progress(quiet_seconds=0)


def snapshot(folders: list[Path]) -> dict[Path, tuple[int, int]]:
    """Size and mtime of every file under ``folders`` (a changed file changes one of them);
    a folder's own ``dist/`` (where a book outside the project builds) is not watched."""
    seen: dict[Path, tuple[int, int]] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if "__pycache__" in path.parts or path.name.startswith("."):
                continue
            if path.is_relative_to(folder / BOOK_OUTPUT):
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            if not path.is_dir():
                seen[path] = (st.st_size, st.st_mtime_ns)
    return seen


class Inotify:
    """Wakes up when a file under the watched folders is written, moved or deleted."""

    MASK = 0x08 | 0x40 | 0x80 | 0x100 | 0x200  # CLOSE_WRITE, MOVED_FROM/TO, CREATE, DELETE

    def __init__(self, folders: list[Path]) -> None:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self._add = libc.inotify_add_watch
        self.folders = folders
        self.watched: set[Path] = set()
        self.rescan()

    def rescan(self) -> None:
        """Watch every folder (new subfolders too: call again after a change)."""
        for top in self.folders:
            if not top.is_dir():
                continue
            for folder in [top, *(p for p in top.rglob("*") if p.is_dir())]:
                if folder not in self.watched and "__pycache__" not in folder.parts:
                    if self._add(self.fd, os.fsencode(folder), self.MASK) >= 0:
                        self.watched.add(folder)

    def wait(self, timeout: float) -> bool:
        """Block until something happened (True) or ``timeout`` passed (False)."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        while True:  # drain every pending event; the snapshot says what changed
            try:
                if not os.read(self.fd, 65536):
                    break
            except BlockingIOError:
                break
        return True

    def close(self) -> None:
        os.close(self.fd)


def _waiter(folders: list[Path], poll: float) -> tuple[Callable[[], None], Callable[[], None]]:
    """(wait, close): ``wait`` returns when it is worth taking a new snapshot."""
    try:
        notify = Inotify(folders)
    except (OSError, AttributeError):
        return (lambda: time.sleep(poll)), (lambda: None)

    def wait() -> None:
        # The timeout only bounds how long ``stop`` goes unasked.
        if notify.wait(max(poll, 0.5)):
            notify.rescan()

    return wait, notify.close


def changed(before: dict[Path, tuple[int, int]], now: dict[Path, tuple[int, int]]) -> list[str]:
    names = {p for p in before.keys() | now.keys() if before.get(p) != now.get(p)}
    return sorted(p.name for p in names)


def rebuild(
    book_dir: Path,
    out: Path,
    only: tuple[str, ...],
    progress: Callable[[], Progress] = live_progress,
) -> bool:
    """One round: the reader first, then the rest together. An error is printed and the
    round ends; returns whether every edition was built."""
    first = [e for e in only if e == "reader"]
    rest = [e for e in only if e != "reader"]
    for group, jobs in ((first, 1), (rest, None)):
        if not group:
            continue
        try:
            build(book_dir, out, only=group, jobs=jobs, progress=progress())
        except ZhpressError as exc:
            log(f"error: {exc}")
            return False
        except OSError as exc:  # the disk refused: say which path and what to do
            log(f"error: {file_system_error(exc, out)}")
            return False
        except Exception as exc:  # a bug must not end the session: one line, the log, go on
            report_bug(exc)
            return False
    return True


def _stop_on_sigterm() -> Callable[[], None]:
    """Tools stop a watcher with SIGTERM, which by default ends Python at once: no cleanup
    ran, and its temporary folder stayed in /tmp. It now ends the watch like Ctrl-C does.
    Returns what puts the previous handler back."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    return lambda: signal.signal(signal.SIGTERM, previous)


def watch(
    book_dir: Path,
    out: Path,
    *,
    only: tuple[str, ...] = ALL_EDITIONS,
    rounds: int | None = None,
    stop: Callable[[], bool] = lambda: False,
    poll: float = POLL_SECONDS,
    progress: Callable[[], Progress] = live_progress,
) -> int:
    """Watch ``book_dir`` and the project's templates and styles; ``rounds`` bounds the number
    of rebuilds after the first build (for tests), ``stop`` ends the loop early."""
    folders = [book_dir, *(ROOT / name for name in CODE_DIRS if name != "zhpress")]
    restore = _stop_on_sigterm()
    log(f"watching {', '.join(str(f) for f in folders)} (Ctrl-C to stop)")
    if any(e in PRINT_EDITIONS for e in only):
        # Import the heavy renderer once, up front, so the first edit is as fast as the rest.
        from ..editions import pdfwrite, weasy

        weasy.load()
        pdfwrite.remember_parts()
    before = snapshot(folders)
    wait, close = _waiter(folders, poll)
    try:
        rebuild(book_dir, out, only, progress)
        done = 0
        while rounds is None or done < rounds:
            if stop():
                break
            now = snapshot(folders)
            if now == before:
                wait()
                now = snapshot(folders)
            if now != before:
                names = changed(before, now)
                before = now
                log(f"changed: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}")
                rebuild(book_dir, out, only, progress)
                done += 1
    finally:
        close()
        restore()
    return 0
