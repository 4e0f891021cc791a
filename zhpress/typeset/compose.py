"""The line composer: CLREQ line breaking and justification for the print editions.

WeasyPrint 70 cannot set Chinese: it stretches only U+0020 when justifying and ignores
text-justify, text-autospace, hanging-punctuation and line-break. So every paragraph is broken
into lines here, with the advances of the very font files the PDF embeds (shaped by HarfBuzz
as Pango shapes them), and each line is handed to WeasyPrint already broken and justified:

- every line but the last ends exactly on the measure (a whole number of characters);
- adjacent marks are compressed as CLREQ 3.1.7 describes (``。”`` takes 1.5 em); a lone mark
  keeps its full em, always; in a Traditional book the pause and stop marks sit centred and
  keep their full em beside any mark (``。」`` takes 2 em), only brackets and quotes give up
  their blank (``」。`` takes 1.5 em);
- line-start and line-end prohibitions at CLREQ's basic level (see ``cjk.break_allowed``);
  when a prohibited mark would start the next line, the line is squeezed to take it in
  before a character is pushed down (先挤进，后推出);
- 1/4 em between ideographs and Western words or numbers, none at a line's edges;
- no hanging punctuation: nothing goes past the measure;
- a Western word or number is kept whole and moved to the next line, unless it is wider
  than the whole measure (a URL, an identifier): then, as CLREQ allows as a last resort, it
  breaks inside, after a URL's ``/ . - _ ? & =`` when that costs little spacing, else between
  any two letters, and never with an added hyphen (the text layer must stay the manuscript).

The slack of a line is spread evenly over its justifiable gaps (between ideographs and marks;
never inside a Western word, never at the fixed 1/4 em) -- except inside a Western run wider
than the measure, whose pieces are letter-spaced, or a line of nothing but such a piece could
never end on the measure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .. import cjk
from . import widegap

# Squeezing is tracking made tighter. A line may take in at most one em more than its
# measure, and no gap may close by more than 1/20 em, which the side bearings of CJK faces
# absorb without any ink touching.
SQUEEZE_PER_GAP_EM = 0.05
SQUEEZE_MAX_EM = 1.0
# Inside a Western run too wide for any line, a break after one of these (a URL's separators)
# is preferred to a break between two letters when it opens the line's gaps by no more than
# this; beyond, the letters are split where the line is fullest.
URL_BREAK_AFTER = frozenset("/.-_?&=")
URL_BREAK_STRETCH_PER_GAP_EM = 0.05
# A last line of one lone character (孤字) is avoided when the line before it can give up
# a character by opening its gaps by no more than this.
WIDOW_STRETCH_PER_GAP_EM = 0.12
EPS = 1e-6


@dataclass(frozen=True)
class Glyph:
    """One cluster of the paragraph (normally one character) as the font sets it."""

    text: str
    role: str
    width: float
    """Natural advance in pt."""
    lead: float = 0.0
    """Blank before the ink that punctuation adjustment may remove, in pt."""
    trail: float = 0.0
    index: int = 0
    """Position of the cluster's first character in the paragraph text."""
    western: bool = False
    """Part of a Western word or number: no justification inside it."""
    pad_right: float = 0.0
    pad_left: float = 0.0
    """The 1/4 em (in pt) this ideograph's wide form carries on that side when the Western
    run beside it is on the same line (see ``widegap``); the gap still counts as a gap here."""


@dataclass(frozen=True)
class Line:
    glyphs: tuple[Glyph, ...]
    after: tuple[float, ...]
    """Space after each glyph but the last, in pt: compression, 1/4 em and justification."""
    spacing: float
    """Justification added to each justifiable gap, in pt (negative when squeezed)."""
    indent: float
    final: bool
    trim_start: float = 0.0
    trim_end: float = 0.0
    """Blank of a mark at a centred line's edge, left out so the line centres on its ink."""

    @property
    def text(self) -> str:
        return "".join(g.text for g in self.glyphs)

    @property
    def width(self) -> float:
        """From the indent to the end of the last glyph's advance, in pt."""
        natural = self.indent + sum(g.width for g in self.glyphs) + sum(self.after)
        return natural - self.trim_start - self.trim_end


@dataclass(frozen=True)
class Paragraph:
    """A paragraph ready to break: glyphs and, for each gap, what may happen there."""

    text: str
    glyphs: tuple[Glyph, ...]
    size: float
    gap: tuple[float, ...]
    """Natural space before glyph i (index 0 unused): -compression + 1/4 em."""
    justifiable: tuple[bool, ...]
    """May gap i take justification space?"""
    breakable: tuple[bool, ...]
    """May a line end before glyph i?"""
    cum_width: tuple[float, ...] = ()
    cum_gap: tuple[float, ...] = ()
    cum_just: tuple[int, ...] = ()
    """Prefix sums over glyphs, gaps and justifiable gaps, so a line is measured in O(1)."""
    last_resort: tuple[bool, ...] = ()
    """May a line end before glyph i only when no other break will do (between two letters of
    a Western run wider than the measure)? Empty: no such break anywhere."""


Shape = Callable[[str, str, str], list[tuple[str, float]]]
"""shape(text, role, script) -> [(cluster, advance in em)]."""
Ink = Callable[[str, str], tuple[float, float, float]]
"""ink(char, role) -> (advance, ink left, ink right) in em."""


def _segments(text: str) -> list[tuple[int, int, str]]:
    """Script segments as Pango itemises them: Latin letters are Latn; digits, signs and
    everything else go with the surrounding Han text."""
    out: list[tuple[int, int, str]] = []
    for start, end in cjk.western_runs(text):
        has_letter = any(ch.isalpha() for ch in text[start:end])
        out.append((start, end, "Latn" if has_letter else "Hani"))
    segments: list[tuple[int, int, str]] = []
    pos = 0
    for start, end, script in out:
        if start > pos:
            segments.append((pos, start, "Hani"))
        segments.append((start, end, script))
        pos = end
    if pos < len(text):
        segments.append((pos, len(text), "Hani"))
    return segments


def prepare(
    runs: Sequence[tuple[str, str]],
    size: float,
    shape: Shape,
    ink: Ink,
    centred: frozenset[str] = frozenset(),
) -> Paragraph:
    """Turn styled runs ``[(text, role)]`` into a paragraph of glyphs with its gap rules.

    ``centred``: marks that sit in the middle of their em and are never compressed (the pause
    and stop marks of a Traditional book, ``cjk.CENTRED_IN_TRADITIONAL``). Their ink alone
    says so only by a hair: the ！ of Noto Serif CJK TC ends 0.553 em into its em, 0.003 em
    past the line that makes a mark "ink on the left, blank on the right"; a face a book
    chooses in ``fonts:`` whose marks are not centred would have them compressed outright."""
    text = "".join(t for t, _ in runs)
    western_at = [False] * len(text)
    for start, end in cjk.western_runs(text):
        for i in range(start, end):
            western_at[i] = True
    glyphs: list[Glyph] = []
    offset = 0
    for run_text, role in runs:
        for start, end, script in _segments(run_text):
            pos = offset + start
            for cluster, advance in shape(run_text[start:end], role, script):
                lead = trail = 0.0
                if len(cluster) == 1 and cluster in cjk.ADJUSTABLE and cluster not in centred:
                    adv, left, right = ink(cluster, role)
                    if adv > 0 and right <= adv * 0.55:
                        trail = adv * 0.5 * size
                    elif adv > 0 and left >= adv * 0.45:
                        lead = adv * 0.5 * size
                glyphs.append(
                    Glyph(cluster, role, advance * size, lead, trail, pos, western_at[pos])
                )
                pos += len(cluster)
        offset += len(run_text)
    quarter = cjk.quarter_em_boundaries(text)
    glyphs = widegap.mark(glyphs, text, 0.25 * size, quarter)
    gap = [0.0]
    justifiable = [False]
    breakable = [False]
    for i in range(1, len(glyphs)):
        a, b = glyphs[i - 1], glyphs[i]
        q = 0.25 * size if b.index in quarter else 0.0
        c = 0.0
        # Only after a full-width mark: after a narrow Western ``[``, taking the blank out of
        # ``“`` would start its box before the bracket's.
        full = a.width >= 0.9 * size
        if a.text in cjk.ADJUSTABLE and b.text in cjk.ADJUSTABLE and full:
            if a.trail > 0:
                c = a.trail
            elif b.lead > 0:
                c = b.lead
        gap.append(q - c)
        justifiable.append(q == 0 and not (a.western and b.western))
        breakable.append(cjk.break_allowed(text, b.index))
    cum_width, cum_gap, cum_just = [0.0], [0.0], _prefix(justifiable)
    for i, g in enumerate(glyphs):
        cum_width.append(cum_width[-1] + g.width)
        cum_gap.append(cum_gap[-1] + gap[i])
    return Paragraph(
        text,
        tuple(glyphs),
        size,
        tuple(gap),
        tuple(justifiable),
        tuple(breakable),
        tuple(cum_width),
        tuple(cum_gap),
        tuple(cum_just),
    )


def _prefix(flags: Sequence[bool]) -> tuple[int, ...]:
    out = [0]
    for flag in flags:
        out.append(out[-1] + flag)
    return tuple(out)


def _open_long_runs(p: Paragraph, measure: float, force: frozenset[int] = frozenset()) -> Paragraph:
    """``p`` with breaks and justifiable gaps inside every Western run wider than
    ``measure``: kept whole, such a run (a URL, a long identifier) would stick out of the
    measure, or leave the line before it with a few ideographs spread over the whole width.
    A run that fits a line of its own is left whole and goes to the next line instead,
    unless it starts at an index in ``force`` (see ``compose``)."""
    n = len(p.glyphs)
    breakable, justifiable = list(p.breakable), list(p.justifiable)
    last_resort = [False] * n
    opened = False
    a = 0
    while a < n:
        b = a + 1
        if p.glyphs[a].western:
            while b < n and p.glyphs[b].western and not p.breakable[b]:
                b += 1
        if b - a > 1 and (_natural(p, a, b) > measure + EPS or a in force):
            opened = True
            for i in range(a + 1, b):
                before, after = p.glyphs[i - 1].text, p.glyphs[i].text
                justifiable[i] = True
                if after[0] in cjk.NO_LINE_START or before[-1] in cjk.NO_LINE_END:
                    continue
                breakable[i] = True
                url = before[-1] in URL_BREAK_AFTER and after[0] not in URL_BREAK_AFTER
                last_resort[i] = not url
        a = b
    if not opened:
        return p
    return replace(
        p,
        breakable=tuple(breakable),
        justifiable=tuple(justifiable),
        cum_just=_prefix(justifiable),
        last_resort=tuple(last_resort),
    )


def _natural(p: Paragraph, start: int, end: int) -> float:
    width = p.cum_width[end] - p.cum_width[start] + p.cum_gap[end] - p.cum_gap[start + 1]
    # A space at the end of a line is not seen and takes no room.
    if end - 1 > start and p.glyphs[end - 1].text.isspace():
        width -= p.glyphs[end - 1].width + p.gap[end - 1]
    return width


def _gaps(p: Paragraph, start: int, end: int) -> int:
    return p.cum_just[end] - p.cum_just[start + 1] if end > start else 0


def _make_line(
    p: Paragraph, start: int, end: int, avail: float, indent: float, final: bool, justify: bool
) -> Line:
    count = _gaps(p, start, end)
    spacing = 0.0
    natural = _natural(p, start, end)
    # A last line keeps its natural spacing, unless 先挤进 took a mark into it that would
    # otherwise start a line of its own: then it is squeezed onto the measure like any other,
    # or the mark would hang past the measure (the 。 ending a paragraph one em too long).
    if justify and count and (not final or natural > avail + EPS):
        spacing = (avail - natural) / count
    after = []
    for i in range(start + 1, end):
        extra = spacing if p.justifiable[i] else 0.0
        after.append(p.gap[i] + extra)
    return Line(p.glyphs[start:end], tuple(after), spacing, indent, final)


def _choose_end(p: Paragraph, start: int, avail: float, justify: bool) -> int:
    """Where the line starting at ``start`` ends (exclusive), by 先挤进，后推出."""
    n = len(p.glyphs)
    end = start + 1
    while end < n and _natural(p, start, end + 1) <= avail + EPS:
        end += 1
    if end == n:
        return n
    fit = next((e for e in range(end, start, -1) if p.breakable[e]), None)
    if fit is not None and p.last_resort and p.last_resort[fit]:
        fit = _url_break(p, start, fit, avail)
    squeeze = None
    if justify:
        em = p.size
        for e in range(end + 1, n + 1):
            if e < n and (not p.breakable[e] or (p.last_resort and p.last_resort[e])):
                continue  # a word is not split to squeeze one more letter in
            over = _natural(p, start, e) - avail
            limit = min(SQUEEZE_PER_GAP_EM * em * _gaps(p, start, e), SQUEEZE_MAX_EM * em)
            if over <= limit + EPS or fit is None:
                squeeze = e
            break
    if squeeze is None:
        return fit if fit is not None else end
    if fit is None or not p.breakable[end]:
        return squeeze  # 先挤进: take the prohibited mark in rather than push a character down
    # The natural end is a legal break: squeeze only when that is the smaller adjustment.
    stretch = (avail - _natural(p, start, fit)) / max(_gaps(p, start, fit), 1)
    shrink = (_natural(p, start, squeeze) - avail) / max(_gaps(p, start, squeeze), 1)
    return squeeze if shrink < stretch else fit


def _url_break(p: Paragraph, start: int, fit: int, avail: float) -> int:
    """Instead of ``fit``, a break between two letters, the latest break that is not a last
    resort (after a URL's separator, or before the long run), if the line can reach the
    measure from there with little spacing; else ``fit``."""
    for e in range(fit - 1, start, -1):
        if not p.breakable[e]:
            continue
        stretch = (avail - _natural(p, start, e)) / max(_gaps(p, start, e), 1)
        if stretch > URL_BREAK_STRETCH_PER_GAP_EM * p.size + EPS:
            break
        if not p.last_resort[e]:
            return e
    return fit


def compose(
    p: Paragraph,
    measure: float,
    indent: float = 0.0,
    *,
    justify: bool = True,
) -> list[Line]:
    """Break ``p`` into lines of ``measure`` pt (the first indented by ``indent`` pt)."""
    n = len(p.glyphs)
    if n == 0:
        return []
    p = _open_long_runs(p, measure)
    bounds = _break_lines(p, measure, indent, justify)
    if justify:
        # A Western run that fits a line of its own went there whole; when the line before
        # it then has no gap to justify (``[[Z쩡`` before ``](https://…)``), it would stay
        # short of the measure: open that run too, as a run wider than a line is opened.
        stranded = frozenset(
            run
            for k, (s, e) in enumerate(bounds[:-1])
            if _gaps(p, s, e) == 0
            and _natural(p, s, e) < measure - (indent if k == 0 else 0.0) - EPS
            and (run := _western_run_in_unit(p, e)) is not None
        )
        if stranded:
            p = _open_long_runs(p, measure, stranded)
            bounds = _break_lines(p, measure, indent, justify)
    if justify and len(bounds) >= 2:
        bounds = _avoid_lone_last_char(p, bounds, measure, indent)
    lines = []
    for k, (s, e) in enumerate(bounds):
        ind = indent if k == 0 else 0.0
        final = k == len(bounds) - 1
        lines.append(_make_line(p, s, e, measure - ind, ind, final, justify))
    return lines


def _western_run_in_unit(p: Paragraph, start: int) -> int | None:
    """Where a Western run begins in the unbreakable unit that starts at ``start`` (the
    unit itself may open with a letter of another script: ``쩡](https://…``)."""
    for j in range(start, len(p.glyphs)):
        if j > start and p.breakable[j]:
            return None
        if p.glyphs[j].western:
            return j
    return None


def _break_lines(
    p: Paragraph, measure: float, indent: float, justify: bool
) -> list[tuple[int, int]]:
    n = len(p.glyphs)
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < n:
        avail = measure - (indent if not bounds else 0.0)
        end = _choose_end(p, start, avail, justify)
        bounds.append((start, end))
        start = end
    return bounds


def _avoid_lone_last_char(
    p: Paragraph, bounds: list[tuple[int, int]], measure: float, indent: float
) -> list[tuple[int, int]]:
    """A last line holding one character and its marks looks forlorn: let the line before
    hand one character down when that costs little spacing."""
    s, e = bounds[-1]
    body = [g for g in p.glyphs[s:e] if g.text not in cjk.ADJUSTABLE]
    if len(body) != 1:
        return bounds
    ps, pe = bounds[-2]
    avail = measure - (indent if len(bounds) == 2 else 0.0)
    for cut in range(pe - 1, ps + 1, -1):
        if not p.breakable[cut]:
            continue
        count = _gaps(p, ps, cut)
        if not count:
            break
        stretch = (avail - _natural(p, ps, cut)) / count
        if stretch <= WIDOW_STRETCH_PER_GAP_EM * p.size and _natural(p, cut, e) <= measure:
            return [*bounds[:-2], (ps, cut), (cut, e)]
        break
    return bounds


def balance(p: Paragraph, measure: float) -> list[Line]:
    """Ragged lines of nearly equal length, for centred headings: as few lines as the measure
    allows, then the narrowest measure that still gives that many. A mark at either end of a
    line gives up its blank (行首行尾标点可半角), so the ink, not the em box, is centred:
    the ？ that ends a headline would otherwise push it a quarter em off centre."""
    lines = compose(p, measure, justify=False)
    if len(lines) > 1:
        low, high = measure / len(lines), measure
        for _ in range(24):
            mid = (low + high) / 2
            if len(compose(p, mid, justify=False)) == len(lines):
                high = mid
            else:
                low = mid
        lines = compose(p, high, justify=False)
    return [
        replace(line, trim_start=line.glyphs[0].lead, trim_end=line.glyphs[-1].trail)
        for line in lines
    ]
