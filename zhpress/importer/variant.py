"""Simplified or Traditional, and which quotation marks a page uses.

A Hong Kong or Taiwan page is set in Traditional characters and quotes with corner brackets
「」『』; a mainland page in Simplified characters with “”‘’. The importer must say which in the
manuscript (``language: zh-Hant``), and the vertical quotes of the headings must become the
marks the page's own text uses. OpenCC's Traditional-to-Simplified table tells the two scripts
apart: Simplified text passes through it unchanged, Traditional text does not. A hand-made
character list would miss most of the several thousand characters that differ.
"""

from __future__ import annotations

from functools import lru_cache

from ..cjk import is_han

# A page is Traditional when at least this share of its Han characters differ from their
# Simplified forms. Common Traditional prose runs at 20-30%; a Simplified page that quotes a
# Traditional name or two stays far below.
TRADITIONAL_SHARE = 0.05
# And at least this many: one or two characters prove nothing.
TRADITIONAL_MIN = 5

_CORNER = frozenset("「」『』")
_CURLY = frozenset("“”‘’")


@lru_cache(maxsize=2)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """``text`` in Simplified characters (OpenCC t2s), character for character."""
    return _converter("t2s").convert(text)


def language(text: str) -> str:
    """``zh-Hant`` when the text is written in Traditional characters, else ``zh-Hans``."""
    han = [ch for ch in text if is_han(ch)]
    if not han:
        return "zh-Hans"
    source = "".join(han)
    simplified = to_simplified(source)
    # t2s maps character to character, so the two strings align.
    changed = sum(1 for a, b in zip(source, simplified, strict=False) if a != b)
    if changed >= TRADITIONAL_MIN and changed >= TRADITIONAL_SHARE * len(han):
        return "zh-Hant"
    return "zh-Hans"


def quote_style(text: str) -> str:
    """``corner`` when the text quotes with 「」『』 more than with “”‘’, else ``curly``."""
    corner = sum(text.count(mark) for mark in _CORNER)
    curly = sum(text.count(mark) for mark in _CURLY)
    return "corner" if corner > curly else "curly"
