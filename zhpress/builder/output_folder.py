"""One output folder, one book, one build at a time.

Two books with the same slug built into one folder overwrote each other's editions, and two
builds into one folder at once read each other's half-finished files in their checks. So the
folder records which book folder its editions came from (``.zhpress-book``): building another
book into it is refused unless ``--force``; and a build locks the folder (``flock``) from
the first write to the last rename: a second build into the folder waits, saying so.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import BookError

BOOK_FILE = ".zhpress-book"
REJECTED = "rejected"


def default_out(book_dir: Path, cwd: Path | None = None) -> Path:
    """Without ``--out``: the project's own ``book/`` builds into ``dist/`` beside it; any
    other book folder into a ``dist/`` inside it (which is not one of the book's inputs)."""
    cwd = cwd or Path.cwd()
    if book_dir.resolve() == (cwd / "book").resolve():
        return cwd / "dist"
    return book_dir / "dist"


def recorded_book(out: Path) -> Path | None:
    try:
        data = json.loads((out / BOOK_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    given = data.get("book") if isinstance(data, dict) else None
    return Path(given) if isinstance(given, str) else None


def check_claim(out: Path, book_dir: Path, *, force: bool) -> None:
    """Refuse (exit 2, naming both) to build ``book_dir`` into a folder that holds another
    book's editions, unless ``force``."""
    mine = book_dir.resolve()
    theirs = recorded_book(out)
    if theirs is not None and theirs != mine and not force:
        raise BookError(
            f"this folder holds the editions of another book, {theirs}; "
            f"refusing to build {mine} into it",
            path=out,
            hint="choose another --out, or pass --force to replace that book's editions",
        )


def claim(out: Path, book_dir: Path) -> None:
    """Record ``book_dir`` as the folder's book (once its editions are in place)."""
    mine = book_dir.resolve()
    if recorded_book(out) != mine:
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / f"{BOOK_FILE}.{os.getpid()}.part"
        try:
            tmp.write_text(json.dumps({"book": str(mine)}) + "\n", encoding="utf-8")
            os.replace(tmp, out / BOOK_FILE)
        finally:
            tmp.unlink(missing_ok=True)


@contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """Hold the folder's build lock (the folder itself is locked: no lock file is left in
    it); a second build into the folder waits for it, with a message."""
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"waiting: another build is writing into {out} (Ctrl-C to stop waiting)",
                file=sys.stderr,
                flush=True,
            )
            started = time.monotonic()
            fcntl.flock(fd, fcntl.LOCK_EX)
            print(f"waited {time.monotonic() - started:.1f} s; building", file=sys.stderr)
        try:
            yield
        finally:
            # Forked editions share this descriptor: unlock explicitly, not only by closing.
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
