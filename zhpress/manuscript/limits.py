"""The manuscript's documented limits (README, "Limits"): bounded time and memory.

Every stage is linear or near-linear in the manuscript's size, but a 50 MB lede would still
run for minutes before anything failed. Inputs above these limits are refused at once, with
exit 2, the file, the line and the limit, before anything is read whole or rendered.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BookError

KIB = 1024
MIB = 1024 * KIB

CHAPTER_BYTES = 2 * MIB
"""A chapter file: about 700,000 Chinese characters, some 1,200 A5 pages."""
BOOK_YAML_BYTES = 256 * KIB
"""book.yaml: the metadata, the chapter list and the lede."""
LEDE_BYTES = 64 * KIB
"""The lede (standfirst) is set on the opening page, beside the title: about 21,000 Chinese
characters, already far more than one page holds."""
BOOK_BYTES = 8 * MIB
"""All chapters together."""
FIELD_CHARS = 1000
"""A title, kicker, series, moderator or panelist: one line on a title page or a header."""
YAML_DEPTH = 32
"""Lists and mappings inside each other in book.yaml or front matter, counted after aliases
are expanded. The contract needs three (``fonts:`` and ``press:``); a thousand crashed the
YAML reader (Python's recursion limit) and anything that walked the values after it."""
YAML_ALIAS_GROWTH = 1_000_000
"""What YAML aliases (``*name``) may add to a file, in characters and values once expanded.
Nine lines of nine aliases each ("billion laughs") expand to 9^9 values: read in a moment,
they hung the first ``str()`` of the value. An alias that repeats a title is a few dozen."""


def _size(amount: int) -> str:
    return f"{amount // MIB} MB" if amount % MIB == 0 else f"{amount // KIB} KB"


def check_file_size(path: Path, limit: int, what: str) -> int:
    """Refuse a file above ``limit`` bytes before reading it; its size otherwise."""
    try:
        size = path.stat().st_size
    except OSError:
        return 0  # reading it will say why
    if size > limit:
        raise BookError(
            f"{what} is {size:,} bytes, above the limit of {_size(limit)}",
            path=path,
            hint=f"split it into parts of at most {_size(limit)}",
        )
    return size


def check_text_size(text: str, limit: int, what: str, path: Path, line: int | None) -> None:
    """Refuse a text value above ``limit`` UTF-8 bytes."""
    size = len(text.encode("utf-8"))
    if size > limit:
        raise BookError(
            f"{what} is {size:,} bytes, above the limit of {_size(limit)}",
            path=path,
            line=line,
            hint=f"shorten it to at most {_size(limit)}; long text belongs in a chapter",
        )


def check_field_length(text: str, key: str, path: Path, line: int | None) -> None:
    if len(text) > FIELD_CHARS:
        raise BookError(
            f"'{key}' is {len(text):,} characters long, above the limit of {FIELD_CHARS:,}",
            path=path,
            line=line,
            hint="a title or a name is one line; move the rest into the text",
        )
