"""Remember what each edition was built from, so an unchanged edition is not rebuilt.

Editors rebuild many times a day; a no-op build must return in a fraction of a second. The
fingerprint covers everything an edition depends on: the manuscript folder, the templates,
styles and code, the font files (by path, size and mtime), SOURCE_DATE_EPOCH and the edition.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .. import __version__

ROOT = Path(__file__).resolve().parents[2]
STATE_FILE = ".zhpress-state.json"
LOCK_FILE = ".zhpress-state.lock"
CODE_DIRS = ("zhpress", "templates", "styles")


BOOK_OUTPUT = "dist"
"""A book folder's own output folder (``--book other/`` without ``--out`` builds into
``other/dist/``): never one of the book's inputs, or every build would change them."""


def _tree_files(folder: Path, skip: Path | None = None) -> Iterable[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and not p.name.startswith(".")
        and not (skip is not None and p.is_relative_to(skip))
    )


def _hash_files(digest: Any, files: Iterable[Path], base: Path) -> None:
    for path in files:
        digest.update(str(path.relative_to(base)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")


def _font_identity(digest: Any) -> None:
    from ..typeset.faces import DEFAULT_FACES

    for spec in DEFAULT_FACES:
        for name in spec.fallback_paths:
            try:
                st = os.stat(name)
            except OSError:
                digest.update(f"{name}:missing".encode())
            else:
                digest.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())


def inputs_digest(book_root: Path) -> str:
    """One hash of everything every edition depends on (a few milliseconds for a book)."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}|{os.environ.get('SOURCE_DATE_EPOCH', '')}".encode())
    _hash_files(digest, _tree_files(book_root, book_root / BOOK_OUTPUT), book_root)
    for name in CODE_DIRS:
        _hash_files(digest, _tree_files(ROOT / name), ROOT)
    _font_identity(digest)
    return digest.hexdigest()


def fingerprint(book_root: Path, edition: str, inputs: str | None = None) -> str:
    """The edition's fingerprint; pass ``inputs`` (``inputs_digest``) to hash the files once
    for several editions."""
    inputs = inputs or inputs_digest(book_root)
    return hashlib.sha256(f"{inputs}|{edition}".encode()).hexdigest()


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def load(out: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def is_current(out: Path, edition: str, target: Path, print_: str) -> bool:
    entry = load(out).get(edition)
    if not isinstance(entry, dict) or entry.get("fingerprint") != print_:
        return False
    return entry.get("output") == file_digest(target)


def _update(out: Path, change: Callable[[dict[str, dict[str, str]]], None]) -> None:
    """Read, change and rewrite the state file under an exclusive lock.

    Two builds into the same folder may finish at once; without the lock each would rewrite
    the file from what it read and drop the other's entry. The rewrite itself goes through a
    temporary file and a rename, so a reader never sees half a file.
    """
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    with open(out / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = load(out)
        before = dict(data)
        change(data)
        if data == before and (out / STATE_FILE).exists():
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{STATE_FILE}.", dir=out)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
            os.chmod(tmp, 0o644)
            os.replace(tmp, out / STATE_FILE)
        finally:  # a full disk must not leave the temporary file behind
            Path(tmp).unlink(missing_ok=True)


def record(out: Path, edition: str, target: Path, print_: str) -> None:
    """Merge this edition's entry into the state file (builds may run at once)."""
    entry = {"fingerprint": print_, "output": file_digest(target) or ""}
    _update(out, lambda data: data.__setitem__(edition, entry))


def forget(out: Path, edition: str) -> None:
    if edition in load(out):
        _update(out, lambda data: data.pop(edition, None))
