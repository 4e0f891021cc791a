"""Write an edition in a forked child process and hear back from it through a pipe.

Forking (not spawning) is the point: the child starts with WeasyPrint imported and the book
composed, so it only lays out and writes. The child never touches the terminal: it sends its
stages, then either "done" or the exception, pickled, and the parent reports and raises it as
if the edition had been written in-process. Linux and macOS only; elsewhere the pipeline
writes the editions one after the other.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .progress import Progress

TICK_SECONDS = 0.1


@dataclass
class Child:
    edition: str
    pid: int
    fd: int
    started: float
    buffer: bytes = b""
    result: tuple[str, Any] | None = None
    closed: bool = False
    reaped: bool = False

    def poll(self, report: Progress, *, block: bool) -> None:
        """Read what the child has sent so far (``block``: wait for at least something)."""
        if self.closed:
            return
        if not block:
            ready, _, _ = select.select([self.fd], [], [], 0)
            if not ready:
                return
        chunk = os.read(self.fd, 65536)
        if not chunk:
            self.closed = True
            os.close(self.fd)
            return
        self.buffer += chunk
        while len(self.buffer) >= 4:
            (size,) = struct.unpack(">I", self.buffer[:4])
            if len(self.buffer) < 4 + size:
                break
            kind, value = pickle.loads(self.buffer[4 : 4 + size])
            self.buffer = self.buffer[4 + size :]
            if kind == "stage":
                report.stage(self.edition, value)
            else:
                self.result = (kind, value)

    def collect(self) -> int | None:
        """Close the pipe and wait for the process; its wait status (None if already
        collected elsewhere)."""
        if not self.closed:
            os.close(self.fd)
            self.closed = True
        self.reaped = True
        try:
            return os.waitpid(self.pid, 0)[1]
        except ChildProcessError:
            return None


def _send(fd: int, kind: str, value: Any) -> None:
    try:
        blob = pickle.dumps((kind, value))
    except Exception:  # an exception that cannot be pickled: send its text
        blob = pickle.dumps((kind, RuntimeError(str(value))))
    data = struct.pack(">I", len(blob)) + blob
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _recv(fd: int) -> Any:
    """One message from ``_send``; None when the other end closed the pipe."""
    data = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            return None
        data += chunk
        if len(data) >= 4:
            (size,) = struct.unpack(">I", data[:4])
            if len(data) >= 4 + size:
                return pickle.loads(data[4 : 4 + size])


@dataclass
class Renderer:
    """A child that imports WeasyPrint while the parent composes, then writes the PDF of the
    parts it is sent. For a single print edition this overlaps the two slowest starts."""

    child: Child
    job_fd: int

    def send(
        self, sections: list[tuple[str, str]], roots: tuple[Path, ...], path: Path, press: bool
    ) -> None:
        """The book's parts (``pdf.render_sections``), what WeasyPrint may read, and where."""
        self.child.started = time.perf_counter()
        try:
            _send(self.job_fd, "sections", (sections, roots, path, press))
        except OSError:
            pass  # the child is gone (it failed to start): wait_children reads why
        finally:
            os.close(self.job_fd)

    def cancel(self) -> None:
        """No job after all (the parent failed, or the edition is up to date): stop the child,
        which has written nothing, without waiting for its imports, and reap it."""
        os.close(self.job_fd)
        try:
            os.kill(self.child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.child.collect()


def _exit_on_sigterm() -> None:
    """In a child: SIGTERM (from ``stop``) ends it through its error path, which removes its
    temporary files, instead of at once."""

    def stop_now(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop_now)


def stop(children: list[Child]) -> None:
    """The build is failing or interrupted (an error, Ctrl-C, SIGTERM to watch): stop every
    child still writing, and wait for it, so none writes after its output was removed or
    outlives its parent; and collect the ones that were done."""
    for child in children:
        if child.reaped:
            continue
        if child.result is None:
            try:
                os.kill(child.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        child.collect()
    reap()


def _leave(code: int) -> None:
    """End a forked child at once (no cleanup of the parent's state), but remove the
    temporary files it made itself."""
    weasy = sys.modules.get("zhpress.editions.weasy")
    if weasy is not None:
        weasy.cleanup()
    os._exit(code)


def _report_failure(write_fd: int, edition: str, exc: BaseException) -> None:
    """Send a child's failure to the parent: a project error or a file-system error as it is
    (its message and exit code are the editor's), anything else as text with its traceback."""
    if not hasattr(exc, "exit_code") and not isinstance(exc, OSError):
        # The first line says what failed (the one line a bug report prints); the rest is
        # the traceback, for the log.
        exc = RuntimeError(
            f"{edition}: {type(exc).__name__}: {exc}\n{''.join(traceback.format_exception(exc))}"
        )
    try:
        _send(write_fd, "error", exc)
    except BaseException:
        pass  # the parent is gone or the pipe is broken: the exit code still tells


def fork_renderer(edition: str) -> Renderer:
    read_fd, write_fd = os.pipe()
    job_read, job_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            _exit_on_sigterm()
            os.close(read_fd)
            os.close(job_write)
            from ..editions import pdfwrite, weasy

            weasy.load()
            message = _recv(job_read)
            if message is None:  # cancelled
                _leave(0)
            _, (sections, roots, path, press) = message
            pdfwrite.write_sections(
                sections, path, press, roots, lambda name: _send(write_fd, "stage", name)
            )
            _send(write_fd, "done", None)
        except BaseException as exc:
            code = 1
            _report_failure(write_fd, edition, exc)
        finally:
            _leave(code)
    os.close(write_fd)
    os.close(job_read)
    return Renderer(Child(edition, pid, read_fd, time.perf_counter()), job_write)


def default_jobs() -> int:
    """Processes to build editions in: ``$ZHPRESS_JOBS``, else one per core."""
    given = os.environ.get("ZHPRESS_JOBS", "")
    if given.strip().isdigit() and int(given) > 0:
        return int(given)
    return os.cpu_count() or 1


_STANDBY: dict[str, Renderer] = {}


def stand_by(edition: str) -> None:
    """Fork the renderer of ``edition`` now, at the very start of the command, before the
    rest of the program is even imported: the child's import of WeasyPrint is the longest
    step of a one-edition build, and every millisecond it starts earlier is one saved. The
    build takes it (``take_standby``) or, when the edition is up to date or the manuscript is
    bad, ``dismiss`` stops it."""
    if edition not in _STANDBY and "weasyprint" not in sys.modules:
        try:
            _STANDBY[edition] = fork_renderer(edition)
        except OSError:  # no process to spare: the build forks or writes in-process later
            pass


def take_standby(edition: str) -> Renderer | None:
    return _STANDBY.pop(edition, None)


def dismiss() -> None:
    """Stop every renderer that was forked ahead and never given its job."""
    while _STANDBY:
        _, renderer = _STANDBY.popitem()
        renderer.cancel()


def fork_edition(
    edition: str,
    writer: Callable[[Any, Path, Callable[[str], None]], None],
    book: Any,
    path: Path,
) -> Child:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write the edition, report, and leave without cleanup
        code = 0
        try:
            _exit_on_sigterm()
            os.close(read_fd)
            writer(book, path, lambda name: _send(write_fd, "stage", name))
            _send(write_fd, "done", None)
        except BaseException as exc:
            code = 1
            _report_failure(write_fd, edition, exc)
        finally:
            _leave(code)
    os.close(write_fd)
    return Child(edition, pid, read_fd, time.perf_counter())


def wait_children(
    children: list[Child], report: Progress, targets: dict[str, Path]
) -> list[BaseException]:
    """Wait for every child's result; report each edition as it finishes; return the errors.

    A child that reported "done" has written and closed its file: the build goes on (checks,
    rename) while the kernel takes the child's memory down, and ``reap`` collects it later.
    A child that ends without a word is waited for, and its exit status reported."""
    errors: list[BaseException] = []
    pending = list(children)
    while pending:
        fds = [c.fd for c in pending if not c.closed and c.result is None]
        if fds:
            ready, _, _ = select.select(fds, [], [], TICK_SECONDS)
            for child in pending:
                if child.fd in ready and not child.closed:
                    child.poll(report, block=True)
        report.tick()
        for child in [c for c in pending if c.closed or c.result is not None]:
            pending.remove(child)
            kind, value = child.result or ("error", None)
            if kind == "done":
                report.done(
                    child.edition, time.perf_counter() - child.started, targets[child.edition]
                )
                child.reaped = True  # as far as the build is concerned; see reap()
                _FINISHING.append(child)
                continue
            status = child.collect()
            report.failed(child.edition)
            if value is None:
                code = "unknown" if status is None else os.waitstatus_to_exitcode(status)
                value = RuntimeError(
                    f"the {child.edition} edition's process ended without a result "
                    f"(exit status {code})"
                )
            errors.append(value)
    return errors


_FINISHING: list[Child] = []


def reap() -> None:
    """Collect the children that reported their edition done and were left to exit."""
    while _FINISHING:
        _FINISHING.pop().collect()
