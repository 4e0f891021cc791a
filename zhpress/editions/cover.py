"""What the EPUB cover's rendering shares: the tools that draw its pixels and their versions,
and the content of the files its page refers to, both part of the cover cache's key.

The cover itself is designed as a cover (``covertype``: a template set by WeasyPrint,
rasterised by poppler's pdftoppm). It used to be a picture of the reader PDF's opening page;
that rendering is gone with it.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from ..errors import ZhpressError


class CoverError(ZhpressError):
    """The cover could not be rendered (a missing tool, not the manuscript's fault)."""


@lru_cache(maxsize=1)
def _tool_versions() -> dict[str, str]:
    """Versions of the tools that draw the pixels. Asking them costs a subprocess and package
    metadata scans (a few tenths of a second), so the answer is cached by the files' stamps."""
    import json
    import os
    from importlib.util import find_spec

    from .. import cache

    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise CoverError(
            "pdftoppm is not installed; it renders the EPUB cover",
            hint="install it with 'apt-get install poppler-utils' (or run 'make book')",
        )
    stamps = {}
    for name, path in (
        ("pdftoppm", pdftoppm),
        ("weasyprint", getattr(find_spec("weasyprint"), "origin", None)),
        ("pillow", getattr(find_spec("PIL"), "origin", None)),
    ):
        try:
            st = os.stat(path or "")
            stamps[name] = [str(path), st.st_size, st.st_mtime_ns]
        except OSError:
            stamps[name] = [str(path)]
    key = cache.key_of({"what": "tool-versions", "stamps": stamps})
    found = cache.load("cover", key)
    if found is not None:
        return json.loads(found)
    versions = _ask_versions(pdftoppm)
    cache.store("cover", key, json.dumps(versions, sort_keys=True).encode("utf-8"))
    return versions


def _ask_versions(pdftoppm: str) -> dict[str, str]:
    from importlib.metadata import version

    probe = subprocess.run([pdftoppm, "-v"], capture_output=True, text=True, check=False)
    return {
        "pdftoppm": (probe.stderr or probe.stdout).strip().splitlines()[0],
        "weasyprint": version("weasyprint"),
        "pillow": version("pillow"),
    }


def _file_urls(html: str) -> dict[str, str]:
    """Content hashes of the local files the page refers to (the font subsets), for the key."""
    import re
    from urllib.parse import unquote, urlsplit
    from urllib.request import url2pathname

    found = {}
    for url in sorted(set(re.findall(r'url\("(file:[^"]+)"\)', html))):
        path = Path(url2pathname(unquote(urlsplit(url).path)))
        try:
            found[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            found[path.name] = "missing"
    return found
