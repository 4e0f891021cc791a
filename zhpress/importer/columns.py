"""Split a line where OCR read the tops of two neighbouring columns as one.

Tesseract's layout analysis sometimes takes the first lines of two columns, side by side at
the same height, for one text line: column A's first line, a space or nothing, column B's
first line. Column A then goes on under it, and column B's text arrives later, after column
A's last line and a blank line (the column break), from its *second* line on. Read as it
stands, the merged line is a line twice as wide as the column, and column B's first line
sits in column A's paragraph.

A proofreader sees three things, and so does this module: the line is far wider than the
lines under it and sits at a column top (after a blank line); it splits into two pieces that
are each a possible column line (CLREQ 3.1.6: no piece starts with a closing or pause mark
or ends with an opening one); and the second piece continues a column further down: it fits
that column's width, and where it goes in the middle of a paragraph, the line before the
column break does not end a sentence. Balanced columns (each as tall as the first, the last
shorter) say which of several column breaks it is.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace

from ..cjk import NO_LINE_END, NO_LINE_START, display_width, is_wide
from .page import MODERATOR, Line, is_spaced_strip
from .paragraphs import sentence_end_strength

# How much wider than the lines under it a line must be to be read as two columns' tops: a
# squeezed mark makes a line one em wider than its column, two columns at least twice as wide.
MIN_EXCESS = 3.0
# How far on a merged line's second half may have to travel: the columns of one article.
LOOK_AHEAD = 80
# Of two readings this close in score, neither is sure: the review list says so.
SURE = 1.0


@dataclass(frozen=True)
class Repair:
    line: Line
    """The merged line as the source gave it."""
    first: Line
    second: Line
    before: Line
    """The line the second half now precedes (the second line of its column)."""
    sure: bool


def _width(text: str) -> float:
    return display_width(text) - 0.25 * text.count(" ")


def _full_width(lines: list[Line]) -> int | None:
    """The column width the lines show: the commonest rounded width of their lines that are
    not a paragraph's last line (a middle line is W, compressed W+1)."""
    widths = Counter(round(line.width) for line in lines if line.width >= 4)
    if not widths:
        return None
    best = max(widths.values())
    return max(w for w, n in widths.items() if n == best)


def _fits(width: float, w: int, text: str) -> float | None:
    """Score of a piece ``width`` ems wide as one line of a column ``w`` wide: a middle line
    (W, W+1 with a squeezed mark, W-1 pushed out), a first line (indent lost: W-2), or a
    paragraph's last line (shorter, ending a sentence); None when it cannot be one."""
    d = width - w
    if abs(d) <= 0.5:
        return 1.0
    if 0.5 < d <= 1.25 and text[-1] in NO_LINE_START:
        return 0.8
    if -2.5 <= d < -0.5:
        return 0.5
    if d < -0.5 and _ends_sentence(text):
        return 0.2
    return None


def _ends_sentence(text: str) -> bool:
    return sentence_end_strength(text) == 0.0


def _is_prose(line: Line) -> bool:
    return not (
        MODERATOR.match(line.text)
        or is_spaced_strip(line.text)
        or len(line.text.replace(" ", "")) <= 1
    )


_SPACE_BETWEEN_HAN = re.compile(r"(?<=\S) +(?=\S)")


def _cuts(text: str, w: int) -> list[tuple[int, int, float]]:
    """(end of the first piece, start of the second, score) for each way ``text`` splits into
    a line of a ``w``-wide column and another line; a space OCR put between them counts for
    the split there."""
    out = []
    spaces = {m.start(): m.end() for m in _SPACE_BETWEEN_HAN.finditer(text)}
    for cut in range(2, len(text) - 1):
        if text[cut] == " ":
            continue
        end = cut
        start = cut
        bonus = 0.0
        if text[cut - 1] == " ":
            end = cut - 1
            while end > 0 and text[end - 1] == " ":
                end -= 1
            if end in spaces and is_wide(text[end - 1]) and is_wide(text[cut]):
                bonus = 1.0
        left, right = text[:end], text[start:]
        if not left or right[0] in NO_LINE_START or left[-1] in NO_LINE_END:
            continue
        fit = _fits(_width(left), w, left)
        if fit is None:
            continue
        out.append((end, start, fit + bonus))
    return out


def _place(lines: list[Line], i: int, second: str, w: int) -> list[tuple[int, float]]:
    """(index of the line the second half goes before, score) for each column break after
    line ``i`` where the half ``second`` can continue a column ``w`` wide."""
    out = []
    for j in range(i + 2, min(len(lines), i + LOOK_AHEAD)):
        line = lines[j]
        if not _is_prose(line):
            break
        if not line.gap:
            continue
        block = [line]
        for x in lines[j + 1 : j + 8]:
            if x.gap or not _is_prose(x):
                break
            block.append(x)
        # the column it continues: this article's (w) or, below a column break into the
        # next article, that one's
        own = _full_width(block) if len(block) >= 2 else None
        best = None
        for w_b, penalty in ((w, 0.0), (own, 1.0)):
            if w_b is None or (penalty and w_b == w):
                continue
            fit = _fits(_width(second), w_b, second)
            if fit is None:
                continue
            before = lines[j - 1]
            opens = _width(second) <= w_b - 1.5 and not _ends_sentence(second)
            ended = _ends_sentence(before.text)
            score = fit - penalty
            if opens:
                score += 1.5 if ended else -2.0
            else:
                # in the middle of a paragraph: the column above the break stops mid-sentence
                score += 1.5 if not ended else -1.0
            best = score if best is None else max(best, score)
        if best is not None:
            # balanced columns: the next column break is as far below as this one is below i
            height = j - i
            nxt = j + height - 1
            if nxt >= len(lines) or lines[nxt].gap or not _is_prose(lines[nxt]):
                best += 1.0
            out.append((j, best))
        if not _ends_sentence(lines[j - 1].text):
            # a blank line in the middle of a sentence is a column break for certain: the
            # column the merged line tops ends here at the latest
            break
        if own is not None and abs(own - w) >= 2:
            break  # another article's column: the half goes no further
    return out


def _pairs(lines: list[Line]) -> Counter:
    """How often each two characters stand side by side in the page's lines: a word the
    page uses (设计, 赋能) is seldom cut by a column's edge, and two pieces that join into one
    read on."""
    return Counter(a + b for line in lines for a, b in zip(line.text, line.text[1:], strict=False))


def _column_width(out: list[Line], i: int) -> int | None:
    """The width of the column under line ``i - 1``: its own lines down to the next blank
    line if there are two or more, else the next few lines."""
    block = []
    for x in out[i : i + 8]:
        if x.gap or not _is_prose(x):
            break
        block.append(x)
    if len(block) >= 2:
        return _full_width(block)
    return _full_width([x for x in out[i : i + 6] if _is_prose(x)])


def _stretch(lines: list[Line], i: int, reach: int) -> list[float]:
    """Widths of up to ``reach`` prose lines after line ``i``, stopping at anything else (a
    heading strip, the moderator line, a standfirst beyond them)."""
    out = []
    for step in (1,):
        j = i + step
        while 0 <= j < len(lines) and abs(j - i) <= reach and _is_prose(lines[j]):
            out.append(lines[j].width)
            j += step
    return out


def split_merged_tops(lines: list[Line]) -> tuple[list[Line], list[Repair]]:
    """``lines`` with every line that holds two columns' tops split in two and its second
    half moved before the line that continues it, and the repairs made."""
    repairs: list[Repair] = []
    out = list(lines)
    moved: set[int] = set()
    pairs: Counter | None = None
    i = 0
    while i < len(out):
        line = out[i]
        i += 1
        if (i > 1 and not line.gap) or not _is_prose(line) or id(line) in moved:
            continue
        if i >= len(out) or out[i].gap or not _is_prose(out[i]):
            continue
        w = _column_width(out, i)
        if w is None or line.width < w + MIN_EXCESS:
            continue
        # far wider than every line under it: not a wide column's line above a short block
        around = _stretch(out, i - 1, 8)
        if max(around, default=0.0) > line.width - MIN_EXCESS:
            continue
        if pairs is None:
            pairs = _pairs(out)
        text = line.text
        under = out[i].text
        prev = out[i - 2] if i >= 2 and _is_prose(out[i - 2]) else None
        # after a sentence's end the column top may open a paragraph (its indent lost: W-2);
        # in the middle of one it is a full line
        opens_here = prev is None or _ends_sentence(prev.text)
        readings = []
        for end, start, cut_score in _cuts(text, w):
            left_w = _width(text[:end])
            indented = left_w <= w - 1.5 and not _ends_sentence(text[:end])
            shape = (0.7 if indented else 0.0) if opens_here else (-1.5 if indented else 0.5)
            broken = math.log1p(pairs[text[end - 1] + text[start]])
            joined = math.log1p(pairs[text[end - 1] + under[0]])
            second = text[start:]
            for j, place_score in _place(out, i - 1, second, w):
                joined2 = math.log1p(pairs[second[-1] + out[j].text[0]])
                words = 0.5 * (joined + joined2 - broken)
                score = cut_score + shape + words + place_score
                readings.append((score, -j, end, start, j))
        if not readings:
            continue
        readings.sort(reverse=True)
        score, _, end, start, j = readings[0]
        runner = next((r[0] for r in readings[1:] if r[4] != j or r[2] != end), None)
        base = line.text_start
        first = Line(no=line.no, start=base, raw=text[:end], gap=line.gap)
        target = out[j]
        second = Line(no=line.no, start=base + start, raw=text[start:], gap=target.gap)
        repairs.append(
            Repair(line, first, second, target, runner is None or score - runner >= SURE)
        )
        moved.add(id(second))
        out[i - 1] = first
        out[j] = replace(target, gap=0)
        out.insert(j, second)
    return out, repairs
