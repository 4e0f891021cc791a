"""Import WeasyPrint once, fast, and make the process cheap to fork afterwards.

Importing WeasyPrint is most of a small build. A fifth of it is not Python at all: its cffi
bindings try several names per native library (``libgobject-2.0-0``, ``gobject-2.0-0`` ...
for Windows and macOS first) and cffi answers each miss with ``ctypes.util.find_library``,
which on Linux runs ``ldconfig -p`` (and then gcc and ld) in a subprocess every time: some
twenty subprocesses, 0.15-0.25 s. While WeasyPrint is imported, ``find_library`` answers
from one reading of the linker cache instead, with the same regular expression ctypes uses;
a name the cache does not know gets None, and WeasyPrint falls back to the next spelling,
ending with the plain ``.so.N`` names that the dynamic loader finds by itself. If that ever
fails, the import is retried with the untouched ``find_library``.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from functools import lru_cache
from types import ModuleType


@lru_cache(maxsize=1)
def _linker_cache() -> str:
    ldconfig = shutil.which("ldconfig") or next(
        (p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.path.exists(p)), None
    )
    if ldconfig is None:
        return ""
    try:
        result = subprocess.run(
            [ldconfig, "-p"],
            capture_output=True,
            text=True,
            check=False,
            env={"LC_ALL": "C", "LANG": "C"},
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout


def _cached_find_library(name: str) -> str | None:
    """``ctypes.util.find_library`` for Linux, answered from one ``ldconfig -p``."""
    # The same pattern as ctypes.util._findSoname_ldconfig (Python 3.11).
    match = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\(", _linker_cache())
    return match.group(1) if match else None


def _import() -> ModuleType:
    import weasyprint

    return weasyprint


def load() -> ModuleType:
    """WeasyPrint, imported (once per process) as fast as this system allows."""
    module = _load()
    _linear_page_references()
    return module


def _linear_page_references() -> None:
    """pydyf builds the tuple of every page's reference anew on each access, and WeasyPrint
    reads it once per tagged element and link: quadratic in pages (measured, 7 s of a 475-page
    reader under the profiler). The tuple is remembered until a page is added (pages are only
    ever appended)."""
    import pydyf

    if getattr(pydyf.PDF.page_references.fget, "zhpress_linear", False):
        return
    build = pydyf.PDF.page_references.fget

    def page_references(self: pydyf.PDF) -> tuple[bytes, ...]:
        count = len(self.pages["Kids"])
        cached = self.__dict__.get("_zhpress_page_references")
        if cached is None or cached[0] != count:
            cached = (count, build(self))
            self.__dict__["_zhpress_page_references"] = cached
        return cached[1]

    prop = property(page_references)
    pydyf.PDF.page_references = prop
    page_references.zhpress_linear = True  # type: ignore[attr-defined]


def _load() -> ModuleType:
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    if not sys.platform.startswith("linux") or not _linker_cache():
        module = _import()
        settle()
        return module
    import ctypes.util

    original = ctypes.util.find_library
    ctypes.util.find_library = _cached_find_library
    try:
        module = _import()
    except OSError:
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        ctypes.util.find_library = original
        module = _import()
    finally:
        ctypes.util.find_library = original
    settle()
    return module


_SCRATCH: dict[int, str] = {}
_SYSTEM_TMP: dict[str, str] = {}


def scratch() -> None:
    """Give WeasyPrint a temporary folder that this process removes when it ends.

    WeasyPrint copies every @font-face file into a ``mkdtemp`` folder that only the font
    configuration's ``__del__`` removes; an edition written by a forked child ends with
    ``os._exit``, so that never ran and every build left a folder of font copies in /tmp
    (1,800 of them after a day's work). Temporary files of this process now go in a folder of
    its own: the process that made it removes it at exit (``cleanup``, called by the forked
    children before they leave, and at exit otherwise). Called where WeasyPrint is about to
    render, not on import: a renderer forked ahead and then stopped leaves nothing behind."""
    pid = os.getpid()
    if pid in _SCRATCH:
        return
    import atexit
    import tempfile

    # A forked child inherits its parent's folder as tempfile's default: its own goes beside
    # the parent's, in the system's temporary folder, not inside it.
    system = _SYSTEM_TMP.setdefault("dir", tempfile.gettempdir())
    folder = tempfile.mkdtemp(prefix=f"zhpress-{pid}-", dir=system)
    _SCRATCH[pid] = folder
    tempfile.tempdir = folder
    atexit.register(cleanup)


def cleanup() -> None:
    """Remove this process's temporary folder (see ``scratch``), if it made one."""
    folder = _SCRATCH.pop(os.getpid(), None)
    if folder is not None:
        import tempfile

        if tempfile.tempdir == folder:
            tempfile.tempdir = None
        shutil.rmtree(folder, ignore_errors=True)


def settle() -> None:
    """Move everything imported so far out of the garbage collector's sight.

    WeasyPrint's layout allocates hundreds of thousands of small objects, and each full
    collection would walk the whole imported world again (measured: 0.1 s of a 0.45 s
    layout). Frozen objects are also never written to by the collector, so pages stay shared
    with forked children."""
    gc.freeze()


@contextmanager
def no_collection():
    """No cyclic garbage collection while WeasyPrint lays out and writes a document.

    Layout allocates millions of objects that all live until the PDF is written, and every
    full collection walks all of them again: measured, 5% of the reader's time for the seed
    book, 13% for a ten-times longer one (0.59 of 4.6 s), a share that grows with the book.
    The collector runs again as soon as the document is written."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_KEPT: list[object] = []


def keep(document: object) -> None:
    """Hold a written document until ``release``: freeing a laid-out book takes tens of
    milliseconds, better spent after its PDF is renamed into place than before."""
    _KEPT.append(document)


def release() -> None:
    _KEPT.clear()
