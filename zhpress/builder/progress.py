"""What the build says while it works: one status per edition, and only when it is worth it.

A build that finishes within a second prints one line per edition and a total. A longer one
shows where each edition is: on a terminal, a block of one line per edition redrawn in place;
elsewhere (CI logs, a pipe), plain lines, one per stage, so that nothing depends on cursor
movement. Editions built in parallel report through the parent, which alone writes.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

QUIET_SECONDS = 1.0
"""Stage lines appear only once a build has run this long."""


class Progress:
    """Prints the build's story to ``stream`` (stderr unless told otherwise)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        tty: bool | None = None,
        quiet_seconds: float = QUIET_SECONDS,
    ) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.quiet_seconds = quiet_seconds
        self.started = time.perf_counter()
        self.status: dict[str, str] = {}
        self.since: dict[str, float] = {}
        self.pending: list[str] = []
        self.live = False
        self.drawn = 0

    # --- events -------------------------------------------------------------------------

    def up_to_date(self, edition: str, path: object) -> None:
        self._line(f"[{edition}] up to date: {path}")

    def start(self, edition: str, path: object) -> None:
        self.since[edition] = time.perf_counter()
        self.status[edition] = "waiting"
        self._stage_line(f"[{edition}] building {path}")

    def stage(self, edition: str, name: str) -> None:
        elapsed = time.perf_counter() - self.since.get(edition, self.started)
        self.status[edition] = f"{name}… ({elapsed:.1f} s)"
        self._stage_line(f"[{edition}] {name}")

    def done(self, edition: str, seconds: float, path: object) -> None:
        self.status[edition] = f"written in {seconds:.2f} s"
        self._line(f"[{edition}] written in {seconds:.2f} s: {path}")

    def failed(self, edition: str) -> None:
        self.status[edition] = "failed"
        self._line(f"[{edition}] failed")

    def tick(self) -> None:
        """Called while waiting: after the quiet second, start showing progress."""
        if not self.live and time.perf_counter() - self.started >= self.quiet_seconds:
            self.live = True
            if self.tty:
                self._draw()
            else:
                for line in self.pending:
                    self._write(line)
            self.pending.clear()
        elif self.live and self.tty:
            self._draw()

    def finish(self, message: str) -> None:
        self._clear()
        self._write(message)

    # --- output -------------------------------------------------------------------------

    def _stage_line(self, text: str) -> None:
        if not self.live:
            self.pending.append(text)
            self.tick()
        elif self.tty:
            self._draw()
        else:
            self._write(text)

    def _line(self, text: str) -> None:
        """A line that is always shown (results), kept above the live block."""
        self._clear()
        self._write(text)
        if self.live and self.tty:
            self._draw()

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def _clear(self) -> None:
        if self.tty and self.drawn:
            self.stream.write(f"\x1b[{self.drawn}F\x1b[J")
            self.drawn = 0

    def _draw(self) -> None:
        active = {e: s for e, s in self.status.items() if not s.startswith("written")}
        self._clear()
        for edition, text in active.items():
            if text != "waiting":
                elapsed = time.perf_counter() - self.since.get(edition, self.started)
                text = text.split(" (")[0] + f" ({elapsed:.1f} s)"
            self.stream.write(f"  {edition:7} {text}\n")
        self.drawn = len(active)
        self.stream.flush()
