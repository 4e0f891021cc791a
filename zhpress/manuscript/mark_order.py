"""Stacked combining marks, read in canonical order.

E + U+0301 + U+3099 and E + U+3099 + U+0301 are the same text (canonically equivalent), but
a renderer does not keep the typed order: HarfBuzz puts the marks in canonical order and
merges their clusters, and WeasyPrint then writes the whole cluster's text for one glyph and
nothing for the other, so a copy of the PDF read a mark twice or lost it. Read in canonical
order (Unicode's reordering only: no character is composed or decomposed, so the faces
need the same glyphs, and lines and columns are unchanged), every edition gets the marks in
the order the renderer keeps.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache


@cache
def _stacked() -> re.Pattern[str]:
    """Two or more marks of a non-zero combining class in a row. Every such mark is in the
    first two planes; the class is built once, from Unicode's data."""
    marks = [cp for cp in range(0x20000) if unicodedata.combining(chr(cp))]
    ranges, start, last = [], marks[0], marks[0]
    for cp in marks[1:]:
        if cp != last + 1:
            ranges.append((start, last))
            start = cp
        last = cp
    ranges.append((start, last))
    body = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"[{body}]{{2,}}")


def canonical_mark_order(text: str) -> str:
    """``text`` with each run of stacked marks sorted by combining class (stable)."""
    return _stacked().sub(lambda run: "".join(sorted(run.group(), key=unicodedata.combining)), text)
