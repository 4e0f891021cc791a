"""Rebuild paragraphs from hard-broken column lines, as a human proofreader would.

OCR loses paragraph indents, so the evidence is the shape of each line against its column
width W (in ems, East Asian Width: wide characters 1, narrow 1/2):

- a paragraph's *first* line is indented two ems (CLREQ 3.1.4 and common Chinese practice:
  "段首缩进两个汉字"), so it holds about W-2; other engines keep the indent as two U+3000 or
  leading spaces, which is explicit evidence;
- *middle* lines are full, W; punctuation compression (CLREQ 3.1.7, half-width adjustment of
  adjacent marks) lets a line hold W+1, and the line-start/line-end prohibitions (CLREQ 3.1.6,
  "禁则": closing marks and pause/stop marks may not start a line, opening marks may not end
  one; GB/T 15834 4.9/4.11: dashes and ellipses are not split) can push a character to the
  next line, leaving a line one or two ems short;
- the *last* line is any length and ends with sentence-final punctuation (GB/T 15834 4.1-4.3:
  。？！ and the ellipsis end sentences; closing quotes may follow them).

Each line gets one of four roles (F first, M middle, L last, S a one-line paragraph) and each
article its own W, chosen jointly by a Viterbi search: emissions score a line's width against
its role and W, transitions allow W to change only where a paragraph starts. Costs are
log-likelihood-like numbers; larger is better.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from ..cjk import CLOSING, HALF_WIDTH_GLYPH, INSEPARABLE, NO_LINE_START, OPENING, display_width
from .page import Line

F, M, L, S = 0, 1, 2, 3
ROLES = (F, M, L, S)
STARTS = (F, S)
ENDS = (L, S)
# Which role may follow which: inside a paragraph F/M go on to M/L; after a paragraph's end
# (L/S) a new one starts (F/S).
FOLLOWS = {F: (M, L), M: (M, L), L: (F, S), S: (F, S)}

BREAK_PRIOR = -1.0
# One-line paragraphs are rare in newspaper articles; without this a short paragraph's first
# line too easily reads as a paragraph of its own.
SINGLE_PRIOR = -1.5
# Two changes (narrower and back) must not cost more than a narrow one-paragraph article's
# full lines gain over reading them as the wider column's short paragraphs (make fuzz, seed
# 240946968).
WIDTH_CHANGE = -1.5
# A sentence ends at a line's end in the middle of a paragraph less often than it does on a
# paragraph's last line (where it always does): sentences run about two lines here.
MIDDLE_SENTENCE_END = -0.25
# A last line may stop anywhere, so any one length of it is about as likely as 1 in W (and a
# full middle line is likely): a short line scores below a full one, or else a run of lines
# one column narrower (a one-paragraph article set two ems narrower) reads as paragraph after
# paragraph of first-and-last lines at the wider width.
LAST_LINE = -0.8
STRONG_END = frozenset("。？！?!…")
WEAK_END = frozenset("；：;:")
ORDINAL = re.compile(
    r"^(?:([一二三四五六七八九十])是|第([一二三四五六七八九十])[，、,是]|"
    r"[（(]([一二三四五六七八九十])[）)]|([一二三四五六七八九十])、|(\d{1,2})[、.．])"
)
_CN_DIGITS = "一二三四五六七八九十"


def ordinal(text: str) -> int:
    """The enumeration number a paragraph opens with (一是 -> 1, （三） -> 3), else 0."""
    match = ORDINAL.match(text)
    if not match:
        return 0
    value = next(g for g in match.groups() if g)
    return int(value) if value.isdigit() else _CN_DIGITS.index(value) + 1


def _interp(table: tuple[tuple[float, float], ...], d: float) -> float:
    """Piecewise-linear score of a width deviation d; outside the table the slope continues."""
    if d <= table[0][0]:
        return table[0][1] - 3.0 * (table[0][0] - d)
    for (x0, y0), (x1, y1) in itertools.pairwise(table):
        if d <= x1:
            return y0 + (y1 - y0) * (d - x0) / (x1 - x0)
    return table[-1][1] - 3.0 * (d - table[-1][0])


# Deviation of the line's width from W, and the score of that deviation per role.
_FIRST = ((-5.0, -6.0), (-4.0, -3.0), (-3.0, -1.2), (-2.0, 0.0), (-1.0, -0.8), (0.0, -5.0))
_MIDDLE = (
    (-3.0, -6.0),
    (-2.0, -2.5),
    (-1.0, -1.2),
    (-0.5, -0.4),
    (0.0, 0.0),
    (1.0, -0.5),
    (2.0, -2.5),
    (3.0, -5.0),
)


def sentence_end_strength(text: str) -> float:
    """0 for a sentence-final ending, a penalty for weaker or no final punctuation."""
    core = text.rstrip("".join(CLOSING))
    if not core:
        return -6.0
    if core[-1] in STRONG_END:
        return 0.0
    if core[-1] in WEAK_END:
        return -1.5
    return -6.0


def _push_need(line: str, nxt: str | None) -> float | None:
    """How much room the text a prohibition rule pushed down would have needed, or None.

    A middle line is short for a visible reason only when what starts the next line could not
    have ended this one (CLREQ 3.1.6, 先挤进，后推出): a character dragged down with a mark that
    may not start a line, an opening mark with the character it opens, an inseparable dash or
    ellipsis, or the rest of a Western word. If that text would have fitted, the shortness has
    no such cause, and an unexplained two-em shortfall is an indented paragraph start.
    """
    if not nxt:
        return None
    if len(nxt) > 1 and nxt[1] in NO_LINE_START:
        return display_width(nxt[0]) + 0.5  # the mark itself may be compressed to half an em
    if nxt[0] in OPENING:
        return 1.0 + (display_width(nxt[1]) if len(nxt) > 1 else 0.0)
    if nxt[0] in INSEPARABLE:
        return 2.0
    if line and line[-1] in OPENING:
        return 0.0
    if line and line[-1].isascii() and line[-1].isalnum() and nxt[0].isascii():
        word = re.match(r"[0-9A-Za-z.,%]+", nxt)
        return display_width(word.group(0)) if word else 0.5
    return None


def _explicit_indent(line: Line) -> int:
    """2 for a real indent (two U+3000 or 2+ spaces), 1 for a single stray space, else 0."""
    lead = line.lead.replace("\t", "    ")
    if "\u3000" in lead or len(lead) >= 2:
        return 2
    return 1 if lead else 0


def uses_indents(lines: list[Line]) -> bool:
    """Does this OCR engine keep paragraph indents (two U+3000 or leading spaces)?

    Then a paragraph start without an indent is unlikely, which is strong evidence the width
    alone cannot give.
    """
    indented = sum(1 for line in lines if _explicit_indent(line) == 2)
    return indented >= max(2, 0.02 * len(lines))


def blank_line_starts(lines: list[Line]) -> bool:
    """Does this stretch mark paragraph starts with blank lines, as Tesseract does?

    Tesseract's layout analysis puts a blank line before every paragraph (and at every column
    break, so not every blank line starts one), and none between the lines of a paragraph. A
    stretch where some lines but not most follow a blank line is set that way; the seed's
    engine puts one between every two lines, and some engines none at all.
    """
    if len(lines) < 6:
        return False
    gapped = sum(1 for line in lines[1:] if line.gap)
    return 2 <= gapped <= 0.4 * (len(lines) - 1)


# On a page with blank-line paragraph starts: a line right under another, with no blank line
# between them, does not start a paragraph; one after a blank line and a sentence's end does.
NO_BLANK_START = -4.0
BLANK_AFTER_SENTENCE_START = 2.5


def _role_scores(
    text: str, d: float, w: float, width: int, punct: int, compressible: int, need: float | None
) -> tuple[float, float, float, float]:
    """The width part of a line's score as (first, middle, last, single) when the line is
    ``w`` ems wide, ``d`` = w - W off the column width."""
    first = _interp(_FIRST, d + (0.0 if punct else 0.5 * (d > -2)))
    if text[-1] in NO_LINE_START:
        # The indented first line may also take a mark squeezed in at its end
        # (先挤进, CLREQ 3.1.6), holding W-1.
        first = max(first, _interp(_FIRST, d - 1.0))
    middle = _interp(_MIDDLE, d)
    if d > 0.5 and not (d <= 1.0 and text[-1] in NO_LINE_START):
        # Each compressible mark saves half an em (CLREQ 3.1.7), so holding one em
        # more than W takes two marks; fewer marks make an over-full line unlikely,
        # unless the extra em is a mark pushed in at the line end (CLREQ 3.1.6).
        middle -= (0.0, 1.0, 2.5)[2 - min(2, compressible)]
    if d < -0.5 and need is not None and w + need > width + 0.25:
        middle *= 0.5
    if d <= -1.0:
        last_w = LAST_LINE
    elif d <= 1.0:
        last_w = -0.8
    else:
        last_w = middle
    single_w = 0.0 if d <= -2.0 else _interp(_FIRST, d)
    return first, middle, last_w, single_w


def emissions(
    lines: list[Line], widths: list[int], explicit: bool = False, blank_starts: bool = False
) -> list[dict[int, tuple[float, ...]]]:
    """Score of each line in each role for each candidate W: ``out[i][W][role]``.

    ``explicit``: the page keeps indents, so an unindented line rarely starts a paragraph.
    ``blank_starts``: the page marks paragraph starts with blank lines (``blank_line_starts``).
    """
    out = []
    texts = [line.text for line in lines]
    for i, line in enumerate(lines):
        text = texts[i]
        w = line.width
        punct = sum(1 for ch in text if ch in NO_LINE_START or ch in OPENING or ch in CLOSING)
        compressible = sum(1 for ch in text if ch in HALF_WIDTH_GLYPH)
        end = sentence_end_strength(text)
        indent = _explicit_indent(line)
        start_bonus = {0: -4.0 if explicit else 0.0, 1: 0.5, 2: 4.0}[indent]
        inner_malus = -4.0 if indent == 2 else 0.0
        if ordinal(text):
            start_bonus += 1.5
        if blank_starts and i:
            if not line.gap:
                start_bonus += NO_BLANK_START
            elif sentence_end_strength(texts[i - 1]) == 0.0:
                start_bonus += BLANK_AFTER_SENTENCE_START
        need = _push_need(text, texts[i + 1] if i + 1 < len(texts) else None)
        per_w = {}
        for width in widths:
            roles = _role_scores(text, w - width, w, width, punct, compressible, need)
            if line.slack:
                # the line may have been set narrower than OCR shows it (``Line.slack``)
                narrow = _role_scores(
                    text, w - line.slack - width, w - line.slack, width, punct, compressible, need
                )
                roles = tuple(map(max, roles, narrow))
            first, middle, last_w, single_w = roles
            per_w[width] = (
                first + start_bonus,
                middle + inner_malus + (MIDDLE_SENTENCE_END if end == 0.0 else 0.0),
                last_w + end + inner_malus,
                single_w + end + start_bonus + SINGLE_PRIOR,
            )
        out.append(per_w)
    return out


def candidate_widths(lines: list[Line], limit: int = 14) -> list[int]:
    """Column widths worth trying: the widths full lines cluster at.

    A full line is W wide, W+1 when compressed, W-2 when it opens a paragraph; so each line
    votes for its own width and its neighbours. A short stretch (a standfirst of four lines)
    has too few votes to cluster, so every width its longer lines span is tried instead.
    """
    ws = sorted(line.width for line in lines)
    if len(lines) < 15:
        upper = ws[len(ws) // 2 :]
        low, high = int(min(upper)) - 1, int(max(upper)) + 2
        span = list(range(max(4, low), max(5, high + 1)))
        return span[-limit:] if len(span) > limit else span
    votes: dict[int, float] = {}
    for w in ws:
        base = int(w)
        for delta, vote in ((0, 1.0), (-1, 0.6), (2, 0.4), (1, 0.3)):
            votes[base + delta] = votes.get(base + delta, 0.0) + vote
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    chosen = [w for w, v in ranked if v >= 2 and w >= 4][:limit]
    # A short article's column (one paragraph of six lines at 18 among hundreds at 12 and
    # 22) gets fewer votes than the short widths every column's last lines spread over, and
    # the limit dropped it (make fuzz, seed 111835): a width three or more lines fill exactly,
    # more than fill either neighbour, is a column and stays a candidate.
    exact: dict[int, int] = {}
    for w in ws:
        exact[int(w)] = exact.get(int(w), 0) + 1
    for w, n in exact.items():
        if n >= 3 and w >= 4 and w not in chosen:
            if n > exact.get(w - 1, 0) and n > exact.get(w + 1, 0):
                chosen.append(w)
    if not chosen:
        chosen = [max(4, int(ws[-1]))]
    return sorted(chosen)


@dataclass(frozen=True)
class Paragraph:
    lines: tuple[Line, ...]
    width: int
    """The column width W the Viterbi search gave its lines."""
    costs: dict[int, float]
    """Score of the paragraph's lines (roles fixed) under each candidate W."""


def paragraphs(lines: list[Line], explicit: bool = False) -> list[Paragraph]:
    """Split a stretch of prose lines into paragraphs (see the module docstring)."""
    if not lines:
        return []
    widths = candidate_widths(lines)
    emit = emissions(lines, widths, explicit, blank_line_starts(lines))
    neg = float("-inf")
    # score[(W, role)] and back pointers per line
    score = {(w, r): (emit[0][w][r] if r in STARTS else neg) for w in widths for r in ROLES}
    back: list[dict[tuple[int, int], tuple[int, int]]] = []
    for i in range(1, len(lines)):
        best_end = max((score[(w, r)], (w, r)) for w in widths for r in ENDS)
        new: dict[tuple[int, int], float] = {}
        ptr: dict[tuple[int, int], tuple[int, int]] = {}
        for w in widths:
            e = emit[i][w]
            for r in ROLES:
                best, arg = neg, (w, F)
                for prev in ROLES:
                    if r not in FOLLOWS[prev]:
                        continue
                    s = score[(w, prev)]
                    if r in STARTS:
                        s += BREAK_PRIOR
                    if s > best:
                        best, arg = s, (w, prev)
                if r in STARTS and best_end[1][0] != w:
                    s = best_end[0] + BREAK_PRIOR + WIDTH_CHANGE
                    if s > best:
                        best, arg = s, best_end[1]
                new[(w, r)] = best + e[r]
                ptr[(w, r)] = arg
        score = new
        back.append(ptr)
    state = max((score[(w, r)], (w, r)) for w in widths for r in ENDS)[1]
    path = [state]
    for ptr in reversed(back):
        state = ptr[state]
        path.append(state)
    path.reverse()
    result: list[Paragraph] = []
    start = 0
    for i, (w, r) in enumerate(path):
        if r in ENDS:
            chunk = lines[start : i + 1]
            roles = [S] if len(chunk) == 1 else [F] + [M] * (len(chunk) - 2) + [L]
            costs = {
                cw: sum(emit[start + k][cw][role] for k, role in enumerate(roles)) for cw in widths
            }
            result.append(Paragraph(tuple(chunk), w, costs))
            start = i + 1
    return result
