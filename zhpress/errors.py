"""Errors that reach the editor as one clear message instead of a traceback.

Exit codes are part of the command-line contract: 0 success, 1 checks found errors,
2 bad input, usage or a file-system fault (the message names the path and what to do),
70 a bug of ours (EX_SOFTWARE: one line, the traceback in a log file), so a script can tell
our bugs from bad input.
"""

from __future__ import annotations

import errno
from pathlib import Path

EXIT_OK = 0
EXIT_CHECKS_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_SOFTWARE = 70


class ZhpressError(Exception):
    """Base of the errors the command line turns into a message and an exit code."""

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.hint = hint

    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class BookError(ZhpressError):
    """The manuscript (book.yaml or a chapter) is wrong; the editor must fix it."""


class SourceError(ZhpressError):
    """The OCR source cannot be turned into a manuscript."""


class FontError(ZhpressError):
    """A face the styles need is missing, substituted, or lacks a character."""


class ChecksFailed(ZhpressError):
    """The outputs were written but a check found errors."""

    exit_code = EXIT_CHECKS_FAILED


class FileSystemError(ZhpressError):
    """The disk refused: no permission, read-only, full, a file where a folder should be...

    Not the manuscript's fault and not ours: the message says which path and what to do."""


_WHAT_TO_DO: dict[int, tuple[str, str]] = {
    errno.EACCES: ("permission denied", "give yourself write access or choose another --out"),
    errno.EPERM: ("operation not permitted", "give yourself write access or choose another --out"),
    errno.EROFS: ("the file system is read-only", "choose a writable folder with --out"),
    errno.ENOSPC: ("no space left on the device", "free some space or choose another --out"),
    errno.EDQUOT: ("disk quota exceeded", "free some space or choose another --out"),
    errno.EFBIG: (
        "file too large for the file-size limit (ulimit -f) or the file system",
        "raise the limit ('ulimit -f unlimited') or choose another --out",
    ),
    errno.EEXIST: (
        "a file is in the way where a folder should be",
        "move or delete that file, or choose another --out",
    ),
    errno.ENOTDIR: (
        "a file is where a folder should be",
        "move or delete that file, or choose another --out",
    ),
    errno.EISDIR: (
        "a folder is where a file should be",
        "move or delete that folder, or choose another --out",
    ),
    errno.ENOENT: ("no such file or folder", "check the path"),
    errno.ENAMETOOLONG: ("the file name is too long", "choose a shorter --out or slug"),
    errno.EMFILE: ("too many open files", "raise the limit ('ulimit -n') and build again"),
    errno.ENOMEM: ("out of memory", "close other programs or build one edition at a time"),
}


def file_system_error(exc: OSError, where: Path | str | None = None) -> FileSystemError:
    """The editor's message for an ``OSError``: the path (the exception's, else ``where``),
    what went wrong in plain words, and what to do; previous editions are untouched."""
    code = exc.errno if isinstance(exc.errno, int) else -1
    what, todo = _WHAT_TO_DO.get(code, (exc.strerror or str(exc), "fix the path and try again"))
    path = exc.filename if exc.filename is not None else where
    if isinstance(path, bytes):
        path = path.decode("utf-8", "replace")
    return FileSystemError(what, path=path, hint=todo)
