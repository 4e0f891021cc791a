"""The four text rules the importer applies to OCR text, and nothing else.

Each rule is a function from a list of ``(character, origin)`` pairs to a new list, where
``origin`` is the character's offset in the decoded source (``-1`` for a character the importer
inserted). Keeping the origin lets ``--report`` say, for every source character, whether it was
kept, changed by which rule, or dropped as layout. The rules run in this order:

1. ``vertical-forms``: vertical presentation forms become the horizontal marks they stand for
   (and ASCII brackets around Chinese words, Tesseract's reading of vertical quotes, quotes).
2. ``layout-spaces``: OCR spaces between Chinese and digits/Latin are removed.
3. ``fullwidth-punctuation``: ASCII ``? ! : ; ,`` right after Chinese become full-width.
4. ``nfc``: Unicode NFC.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from ..cjk import ASCII_TO_FULLWIDTH, VERTICAL_TO_HORIZONTAL, is_wide

Chars = list[tuple[str, int]]

# Characters OCR uses for horizontal layout space: ASCII space, no-break space, tab and the
# ideographic space U+3000 (which other engines use for indents).
LAYOUT_SPACES = frozenset(" \u00a0\t\u3000")


@dataclass(frozen=True)
class Change:
    rule: str
    origin: int
    before: str
    after: str
    """Empty when the rule removed the character."""


_QUOTE_OPEN = frozenset("\ufe41\ufe43")  # ﹁ ﹃
_QUOTE_CLOSE = frozenset("\ufe42\ufe44")  # ﹂ ﹄
_CORNER_QUOTES = {"\ufe41": "「", "\ufe42": "」", "\ufe43": "『", "\ufe44": "』"}


# Tesseract reads the vertical quotes of a heading strip (﹃﹄, ﹁﹂) as ASCII brackets; in
# Chinese text a bracket pair around Chinese words has no other use.
_ASCII_QUOTES = {"[": "]", "{": "}"}
_BRACKET_SPAN = 30


def _bracket_quotes(chars: Chars) -> dict[int, str]:
    """Positions of ASCII bracket pairs that stand for quotes, mapped to the vertical quote
    they stand for: the pair encloses Chinese text (a citation ``[1]`` does not)."""
    out: dict[int, str] = {}
    i = 0
    while i < len(chars):
        close = _ASCII_QUOTES.get(chars[i][0])
        if close is None:
            i += 1
            continue
        for j in range(i + 1, min(len(chars), i + _BRACKET_SPAN)):
            ch = chars[j][0]
            if ch == close:
                inner = [c for c, _ in chars[i + 1 : j] if not c.isspace()]
                if inner and all(_is_chinese(c) for c in inner):
                    out[i], out[j] = "\ufe43", "\ufe44"
                    i = j
                break
            if ch in _ASCII_QUOTES or ch in "]}":
                break
        i += 1
    return out


def vertical_forms(chars: Chars, log: list[Change], quotes: str = "curly") -> Chars:
    """Vertical presentation forms (U+FE10-FE19, U+FE30-FE4F) to horizontal marks.

    In vertical headings OCR returns the glyphs it sees, e.g. ``﹃六新﹄``. Other marks have one
    horizontal form (an explicit table, ``cjk.VERTICAL_TO_HORIZONTAL``: NFKC would map ﹃ to 『
    whatever the page). The quotes follow the page's own style (``variant.quote_style``): on a
    page that quotes with corner brackets (Traditional pages mostly) ﹁﹂ are 「」 and ﹃﹄ are
    『』; on a page that quotes with “” (GB/T 15834-2011, 4.1), the outer pair of vertical
    quotes, whichever form it was set in, is “” and a pair inside it ‘’.
    """
    out: Chars = []
    depth = 0
    brackets = _bracket_quotes(chars) if any(c in _ASCII_QUOTES for c, _ in chars) else {}
    for n, (ch, origin) in enumerate(chars):
        if n in brackets:
            # the outer vertical quote of the page's style (﹁﹂ where it quotes with 「」)
            opening = brackets[n] == "\ufe43"
            if quotes == "corner":
                ch = "\ufe41" if opening else "\ufe42"
            else:
                ch = brackets[n]
        if quotes == "corner" and ch in _CORNER_QUOTES:
            new = _CORNER_QUOTES[ch]
        elif ch in _QUOTE_OPEN:
            new = "“" if depth == 0 else "‘"
            depth += 1
        elif ch in _QUOTE_CLOSE:
            depth = max(depth - 1, 0)
            new = "”" if depth == 0 else "’"
        else:
            new = VERTICAL_TO_HORIZONTAL.get(ch)
        if new is None:
            out.append((ch, origin))
        else:
            log.append(Change("vertical-forms", origin, chars[n][0], new))
            out.append((new, origin))
    return out


def _is_chinese(ch: str) -> bool:
    return is_wide(ch) and ch not in LAYOUT_SPACES


def _is_latin_or_digit(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _after_mark(mark: str, before: str) -> bool:
    """Is ``mark`` a punctuation mark of Chinese text (full-width, or an ASCII look-alike right
    after a Chinese character)? A space after it is Tesseract's, never the text's: Chinese
    marks carry their own spacing (CLREQ 3.1.7), as in ``冷冷清清; 老街`` or ``难不难? 晚上``."""
    if mark in ASCII_TO_FULLWIDTH:
        return _is_chinese(before)
    return _is_chinese(mark) and not mark.isalnum() and unicodedata.category(mark)[0] == "P"


def layout_spaces(chars: Chars, log: list[Change]) -> Chars:
    """Drop OCR spaces between a Chinese character and a digit or Latin letter.

    OCR engines render the quarter-em gap a typesetter puts between Han and Western characters
    (CLREQ 3.2.3, "Spacing between Chinese and Western text") as an ASCII space:
    ``突破 3 万亿元``, ``全市 54%规模``. The manuscript stores text as it reads, without
    layout spaces; the composer adds the proper spacing. Spaces between two Latin words, or
    between two Chinese characters, are not this OCR effect and are kept. A space after a
    Chinese punctuation mark before a Chinese character (Tesseract's ``难不难? 晚上``) is
    OCR's too, and goes as ``ocr-spaces``.
    """
    out: Chars = []
    i = 0
    n = len(chars)
    while i < n:
        ch, origin = chars[i]
        if ch not in LAYOUT_SPACES:
            out.append((ch, origin))
            i += 1
            continue
        j = i
        while j < n and chars[j][0] in LAYOUT_SPACES:
            j += 1
        left = out[-1][0] if out else ""
        right = chars[j][0] if j < n else ""
        drop = (_is_chinese(left) and _is_latin_or_digit(right)) or (
            _is_latin_or_digit(left) and _is_chinese(right)
        )
        rule = "layout-spaces"
        before = out[-2][0] if len(out) > 1 else ""
        if not drop and _after_mark(left, before) and _is_chinese(right):
            drop, rule = True, "ocr-spaces"
        for k in range(i, j):
            if drop:
                log.append(Change(rule, chars[k][1], chars[k][0], ""))
            else:
                out.append(chars[k])
        i = j
    return out


def fullwidth_punctuation(chars: Chars, log: list[Change]) -> Chars:
    """ASCII ``? ! : ; ,`` right after a Chinese character become their full-width forms.

    GB/T 15834-2011 (4.1-4.6) sets these marks in Chinese text as full-width characters
    (``？ ！ ： ； ，``); OCR often returns the ASCII look-alikes, as in the seed's headline
    ``如何闯出新路?``. After a digit or a Latin letter the ASCII mark may be intended
    (``10:30``, ``Hello, world``), so those are left alone.
    """
    out: Chars = []
    for ch, origin in chars:
        new = ASCII_TO_FULLWIDTH.get(ch)
        if new is not None and out and _is_chinese(out[-1][0]):
            log.append(Change("fullwidth-punctuation", origin, ch, new))
            out.append((new, origin))
        else:
            out.append((ch, origin))
    return out


def nfc(chars: Chars, log: list[Change]) -> Chars:
    """Unicode Normalization Form C, so that equal text is equal code points.

    OCR output is almost always NFC already; the exceptions are CJK compatibility ideographs
    (U+F900 block), which NFC maps to their unified ideographs, and decomposed accents in Latin
    words. A base character and its combining marks are normalised together and the result
    keeps the base character's origin; the absorbed marks are logged as changed.
    """
    text = "".join(ch for ch, _ in chars)
    if unicodedata.is_normalized("NFC", text):
        return chars
    out: Chars = []
    i = 0
    n = len(chars)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(chars[j][0]):
            j += 1
        group = "".join(ch for ch, _ in chars[i:j])
        new = unicodedata.normalize("NFC", group)
        if new == group:
            out.extend(chars[i:j])
        else:
            for k in range(i, j):
                after = new if k == i else ""
                log.append(Change("nfc", chars[k][1], chars[k][0], after))
            out.extend((c, chars[i][1]) for c in new)
        i = j
    return out


RULES: dict[str, Callable[[Chars, list[Change]], Chars]] = {
    "vertical-forms": vertical_forms,
    "layout-spaces": layout_spaces,
    "fullwidth-punctuation": fullwidth_punctuation,
    "nfc": nfc,
}


def normalize(chars: Chars, log: list[Change], quotes: str = "curly") -> Chars:
    """Apply every rule, in the documented order; ``quotes`` is the page's quote style."""
    chars = vertical_forms(chars, log, quotes)
    for name, rule in RULES.items():
        if name != "vertical-forms":
            chars = rule(chars, log)
    return chars


def apply(text: str, rule: str | None = None) -> str:
    """Plain-string form for tests and callers without origins: one rule, or all of them."""
    chars: Chars = [(ch, i) for i, ch in enumerate(text)]
    log: list[Change] = []
    chars = RULES[rule](chars, log) if rule else normalize(chars, log)
    return "".join(ch for ch, _ in chars)
