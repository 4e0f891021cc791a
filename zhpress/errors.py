"""Errors that reach the editor as one clear message instead of a traceback.

Exit codes are part of the command-line contract: 0 success, 1 checks found errors,
2 bad input or usage.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_CHECKS_FAILED = 1
EXIT_BAD_INPUT = 2


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
