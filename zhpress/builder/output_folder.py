"""One output folder, one book, one build at a time.

Two books with the same slug built into one folder overwrote each other's editions, and two
builds into one folder at once read each other's half-finished files in their checks. So the
folder records which book folder its editions came from (``.zhpress-book``): building another
book into it is refused unless ``--force``; and a build locks the folder (``flock``) from
the first write to the last rename: a second build into the folder waits, saying so, or with
``--no-wait`` refuses at once (exit 2), naming the build that holds the folder. ``flock``
does not say who holds a lock, so the holder writes who it is (``.zhpress-building``: its
process, its book, since when) while it holds it, and removes the note when it lets go.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import BookError, ZhpressError

BOOK_FILE = ".zhpress-book"
HOLDER_FILE = ".zhpress-building"
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


class FolderBusy(ZhpressError):
    """Another build holds the output folder and this one was told not to wait (exit 2)."""


def _write_holder(out: Path, book_dir: Path | None) -> None:
    note = {
        "pid": os.getpid(),
        "book": str(book_dir.resolve()) if book_dir is not None else None,
        "since": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    tmp = out / f"{HOLDER_FILE}.{os.getpid()}.part"
    try:
        tmp.write_text(json.dumps(note) + "\n", encoding="utf-8")
        os.replace(tmp, out / HOLDER_FILE)
    except OSError:
        pass  # only a courtesy to a build that would wait: the editions' writes say what failed
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def holder(out: Path, patience: float = 1.0) -> str:
    """Who holds the folder's lock, in words, from its note. The holder writes the note just
    after taking the lock: a note not there yet is waited for, ``patience`` seconds at most."""
    deadline = time.monotonic() + patience
    while True:
        try:
            note = json.loads((out / HOLDER_FILE).read_text(encoding="utf-8"))
            if isinstance(note, dict) and isinstance(note.get("pid"), int):
                book = f" building {note['book']}" if note.get("book") else ""
                return f"process {note['pid']}{book} (since {note.get('since', '?')})"
        except (OSError, ValueError):
            pass
        if time.monotonic() >= deadline:
            return "a build that did not say which"
        time.sleep(0.05)


@contextmanager
def build_lock(out: Path, book_dir: Path | None = None, *, wait: bool = True) -> Iterator[None]:
    """Hold the folder's build lock (the folder itself is locked: no lock file is left in
    it); a second build into the folder waits for it, with a message, or if not ``wait``
    raises FolderBusy naming the holder."""
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = holder(out, patience=1.0 if not wait else 0.2)
            if not wait:
                raise FolderBusy(
                    f"another build is writing into this folder: {who}",
                    path=out,
                    hint="wait for it to finish (build without --no-wait waits), or choose "
                    "another --out",
                ) from None
            print(
                f"waiting: another build is writing into {out}: {who} (Ctrl-C to stop waiting)",
                file=sys.stderr,
                flush=True,
            )
            started = time.monotonic()
            fcntl.flock(fd, fcntl.LOCK_EX)
            print(f"waited {time.monotonic() - started:.1f} s; building", file=sys.stderr)
        try:
            _write_holder(out, book_dir)
            yield
        finally:
            with contextlib.suppress(OSError):
                (out / HOLDER_FILE).unlink(missing_ok=True)
            # Forked editions share this descriptor: unlock explicitly, not only by closing.
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
