"""Character classes and text rules for Chinese, shared by the importer and the composer.

References: W3C CLREQ (Requirements for Chinese Text Layout, "Prohibition rules for line start
and line end", "Punctuation adjustment") and GB/T 15834-2011 (use of punctuation marks).
"""

from __future__ import annotations

import unicodedata

# CLREQ 3.1.6: opening brackets/quotes (may not end a line).
OPENING = frozenset("“‘（〔［｛《〈「『【〖〘〚([{")
# Closing brackets/quotes (may not start a line).
CLOSING = frozenset("”’）〕］｝》〉」』】〗〙〛)]}")
# Pause and stop marks that occupy the left half of their em in Simplified Chinese
# (may not start a line): 、，。．：；？！ and their ASCII look-alikes are not used in CJK text.
PAUSE_OR_STOP = frozenset("、，。．：；？！")
# Marks that may not start a line at CLREQ's basic level: closing marks, pause/stop marks,
# the interpunct and the connector marks' second halves are handled as inseparable pairs.
NO_LINE_START = CLOSING | PAUSE_OR_STOP | frozenset("·・〃々〻ー")
NO_LINE_END = OPENING
# Inseparable marks: two-em dash and ellipsis are never split across lines (GB/T 15834 4.9, 4.11).
INSEPARABLE = frozenset("—…")
# Marks whose glyph occupies only half of its em box and can be compressed by half when they
# meet another such mark (CLREQ 3.1.7 "Punctuation adjustment").
HALF_WIDTH_GLYPH = OPENING | CLOSING | PAUSE_OR_STOP | frozenset("·")
SENTENCE_END = frozenset("。！？…")

# ASCII punctuation that OCR produces after Chinese text and its full-width form (GB/T 15834).
ASCII_TO_FULLWIDTH = {"?": "？", "!": "！", ":": "：", ";": "；", ",": "，"}

# Vertical presentation forms (U+FE10-FE19, U+FE30-FE4F) to their horizontal marks. In vertical
# text ﹃﹄ are the rotated forms of “” (GB/T 15834 4.1: vertical text uses ﹃﹄ for double quotes),
# so NFKC, which maps them to 『』, is wrong for Simplified Chinese.
VERTICAL_TO_HORIZONTAL = {
    "\ufe41": "「",
    "\ufe42": "」",
    "\ufe43": "“",
    "\ufe44": "”",
    "\ufe35": "（",
    "\ufe36": "）",
    "\ufe37": "｛",
    "\ufe38": "｝",
    "\ufe39": "〔",
    "\ufe3a": "〕",
    "\ufe3b": "【",
    "\ufe3c": "】",
    "\ufe3d": "《",
    "\ufe3e": "》",
    "\ufe3f": "〈",
    "\ufe40": "〉",
    "\ufe47": "［",
    "\ufe48": "］",
    "\ufe10": "，",
    "\ufe11": "、",
    "\ufe12": "。",
    "\ufe13": "：",
    "\ufe14": "；",
    "\ufe15": "！",
    "\ufe16": "？",
    "\ufe17": "〖",
    "\ufe18": "〗",
    "\ufe19": "…",
    "\ufe31": "—",
    "\ufe32": "–",
    "\ufe33": "_",
    "\ufe34": "_",
}


def is_han(ch: str) -> bool:
    """A Han ideograph (CJK Unified Ideographs and extensions, compatibility ideographs)."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x3FFFF
        or 0xF900 <= cp <= 0xFAFF
        or cp in (0x3007, 0x3005)
    )


def is_cjk_punct(ch: str) -> bool:
    return ch in OPENING or ch in CLOSING or ch in PAUSE_OR_STOP or ch in INSEPARABLE or ch in "·"


def is_wide(ch: str) -> bool:
    """Occupies a full em in CJK text: East Asian Width W or F (and ambiguous CJK marks)."""
    if ch in "“”‘’—…·":
        return True
    return unicodedata.east_asian_width(ch) in ("W", "F")


def is_western(ch: str) -> bool:
    """Latin letters and digits that get 1/4 em of space next to Han (CLREQ 3.2)."""
    return ch.isalnum() and not is_wide(ch)


def display_width(text: str) -> float:
    """Width in ems: wide characters count 1, everything else 1/2 (East Asian Width)."""
    return sum(1.0 if is_wide(ch) else 0.5 for ch in text)
