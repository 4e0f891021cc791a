"""``python build.py watch``: rebuild on every save, keeping the process (and WeasyPrint) warm.

Polling mtimes every 100 ms needs no extra dependency and works on every file system; the
reader PDF is rebuilt first because it is what the editor has open, the others follow.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from .errors import ZhpressError
from .pipeline import ALL_EDITIONS, build, log
from .state import CODE_DIRS, ROOT

POLL_SECONDS = 0.1


def snapshot(folders: list[Path]) -> dict[Path, tuple[int, int]]:
    """Size and mtime of every file under ``folders`` (a changed file changes one of them)."""
    seen: dict[Path, tuple[int, int]] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                try:
                    st = path.stat()
                except OSError:
                    continue
                seen[path] = (st.st_size, st.st_mtime_ns)
    return seen


def rebuild(book_dir: Path, out: Path, only: tuple[str, ...]) -> None:
    """One round: reader first, then the rest; an error is printed and watching goes on."""
    order = sorted(only, key=lambda e: (e != "reader", ALL_EDITIONS.index(e)))
    for edition in order:
        try:
            build(book_dir, out, only=[edition])
        except ZhpressError as exc:
            log(f"error: {exc}")
            return


def watch(
    book_dir: Path,
    out: Path,
    *,
    only: tuple[str, ...] = ALL_EDITIONS,
    rounds: int | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> int:
    """Watch ``book_dir`` and the project's templates and styles; ``rounds`` bounds the loop
    (for tests), ``stop`` ends it early."""
    folders = [book_dir, *(ROOT / name for name in CODE_DIRS if name != "zhpress")]
    log(f"watching {', '.join(str(f) for f in folders)} (Ctrl-C to stop)")
    # Import the heavy renderer once, up front, so the first edit is as fast as the rest.
    import weasyprint  # noqa: F401

    rebuild(book_dir, out, only)
    before = snapshot(folders)
    done = 0
    while rounds is None or done < rounds:
        if stop():
            break
        time.sleep(POLL_SECONDS)
        now = snapshot(folders)
        if now != before:
            before = now
            log("change detected")
            rebuild(book_dir, out, only)
            done += 1
    return 0
