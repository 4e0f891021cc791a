"""A bug of ours: one line for the editor, the traceback in a log file, exit 70.

A bad manuscript or a full disk is the editor's to fix and gets a message (exit 2); any other
exception is ours. The editor should not have to read a traceback, but whoever fixes the bug
needs it, so it goes to a file in the cache folder (``crash/``) that the one line names, and
the exit code (70, EX_SOFTWARE) lets a script tell our bugs from bad input.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .cache import cache_root
from .errors import EXIT_SOFTWARE


def _log_text(exc: BaseException) -> str:
    from . import __version__

    head = [
        f"zhpress {__version__}, Python {platform.python_version()}, {platform.platform()}",
        f"command: {' '.join(sys.argv)}",
        f"time: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}",
        "",
    ]
    return "\n".join(head) + "".join(traceback.format_exception(exc))


def write_log(exc: BaseException) -> Path | None:
    """Write the traceback to ``<cache>/crash/``, else to the temporary folder; the path, or
    None when neither can be written (the one line then says so)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    text = _log_text(exc)
    for folder in (cache_root() / "crash", Path(tempfile.gettempdir())):
        path = folder / f"zhpress-crash-{stamp}-{os.getpid()}-{time.time_ns() % 10**9:09d}.log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError:
            try:
                path.unlink()
            except OSError:
                pass
            continue
        return path
    return None


def summary(exc: BaseException) -> str:
    """The exception in one short line (a child's failure carries its traceback as text)."""
    first = (str(exc).strip().splitlines() or [""])[0]
    if len(first) > 160:
        first = first[:157] + "..."
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def report_bug(exc: BaseException) -> int:
    """Print the one line, write the log; return EX_SOFTWARE."""
    path = write_log(exc)
    where = f"with the log {path}" if path else "(no log could be written)"
    print(
        f"error: a bug in zhpress ({summary(exc)}), not in your manuscript; please report "
        f"it {where}; the previous editions are untouched",
        file=sys.stderr,
        flush=True,
    )
    return EXIT_SOFTWARE
