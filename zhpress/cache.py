"""A small content-addressed disk cache for expensive, deterministic build products.

Font subsets and the rendered cover take seconds to make but depend only on their inputs, so
they are stored under ``.cache/<kind>/<key>`` and reused. The key is a hash of everything that
can change the bytes (inputs, options, tool versions), never of the time: a cache hit returns
exactly what a fresh run would. Writes go through a temporary file and a rename, so a killed
build or two builds at once never leave a truncated entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENV_DIR = "ZHPRESS_CACHE_DIR"
ENV_OFF = "ZHPRESS_NO_CACHE"


def cache_root() -> Path:
    """``$ZHPRESS_CACHE_DIR`` if set, else the project's ``.cache/`` (``make clean`` empties it)."""
    given = os.environ.get(ENV_DIR)
    return Path(given) if given else ROOT / ".cache"


def enabled() -> bool:
    return os.environ.get(ENV_OFF, "") in ("", "0")


def key_of(parts: dict[str, Any]) -> str:
    """A stable hash of a JSON-able description of the inputs."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def load(kind: str, key: str) -> bytes | None:
    if not enabled():
        return None
    try:
        return (cache_root() / kind / key).read_bytes()
    except OSError:
        return None


def store(kind: str, key: str, data: bytes) -> None:
    """Store ``data``; a cache that cannot be written only costs time, so errors are ignored."""
    if not enabled():
        return
    folder = cache_root() / kind
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".part", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, folder / key)
    except OSError:
        pass
