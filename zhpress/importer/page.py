"""Cut an OCR page into blocks by their shape, not their position.

A page arrives as lines. What each line is follows from how it looks:

- a *moderator line* starts with ``主持人：``;
- *vertical headings* (panelists' names and titles set top to bottom) arrive one character
  per line, so two or more consecutive one-character lines form a vertical block; blank lines
  inside the block separate its runs (a name, then its title);
- the *headline line* holds the overline (引题) and the headline (主题) separated by a space
  between two Chinese characters, which body text never has (CLREQ 3.2: Chinese text has no
  inter-word spaces), often ends in a question or exclamation mark, and is followed without a
  blank line by the standfirst;
- *spaced strips*: Tesseract re-reading a vertical strip with ``chi_sim_vert`` gives the whole
  strip (name and title) as one line with spaces between its characters or short words
  (``郑 文 涛 冷链 物流 打通 农产品``); body text never has spaces between Chinese words;
- a *kicker line* (引题): when the headline line holds no overline, a short line right before it
  with no sentence-final mark is the overline, as Tesseract gives them on separate lines;
- everything else is *prose*: body columns and the standfirst, told apart later by their
  column widths (``paragraphs``).

The headline block may come before or after the articles; nothing here depends on the order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from ..cjk import display_width, is_wide

# 主持人：NAME (or 主持人 NAME, 主持：NAME); a body line such as 主持召开… is not one.
MODERATOR = re.compile(r"^(?:主持人\s*[:：]|主持人\s+|主持\s*[:：])\s*(?=\S)")
_QUESTION_OR_EXCLAMATION = frozenset("?？!！")
_ACROSS_ONE_CELL = re.compile(r"[A-Za-z0-9][A-Za-z0-9+\-.%]{1,3}")
# One space between a Chinese character and a digit or Latin letter, either way round.
_MIXED_SPACE = re.compile(
    r"(?<=[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]) (?=[0-9A-Za-z])"
    r"|(?<=[0-9A-Za-z%]) (?=[\u3400-\u9fff\uff00-\uffef\u3000-\u303f])"
)


@dataclass(frozen=True)
class Line:
    no: int
    """1-based line number in the source, for messages."""
    start: int
    """Offset of the line's first character in the decoded text."""
    raw: str
    gap: int
    """Blank lines between this line and the previous non-empty line."""

    @property
    def lead(self) -> str:
        return self.raw[: len(self.raw) - len(self.raw.lstrip())]

    @property
    def text(self) -> str:
        return self.raw.strip()

    @property
    def text_start(self) -> int:
        return self.start + len(self.lead)

    @cached_property
    def width(self) -> float:
        """Width in ems (East Asian Width: wide 1, narrow 1/2), without edge spaces.

        An inner ASCII space is OCR's rendering of the quarter-em gap between Han and Western
        characters (CLREQ 3.2.3), so it counts 1/4, not the 1/2 of a narrow character.
        """
        text = self.text
        spaces = text.count(" ")
        return display_width(text) - 0.25 * spaces

    @cached_property
    def slack(self) -> float:
        """How much of ``width`` may not be on the page: 1/4 em per inner space between a
        Chinese and a Western character (``突破 3 万亿元``).

        Some pages set the quarter-em gap there (CLREQ 3.2.3) and OCR shows it as a space;
        others set none, and the OCR still puts a space between the scripts now and then. So
        such a line was set between ``width - slack`` and ``width`` ems wide.
        """
        return 0.25 * len(_MIXED_SPACE.findall(self.text))


@dataclass
class Page:
    lines: list[Line]
    headline: Line | None = None
    moderator: Line | None = None
    vertical: list[list[Line]] = field(default_factory=list)
    """Vertical blocks; each block is a list of one-character lines."""
    vertical_runs: list[list[Line]] = field(default_factory=list)
    """Runs inside the blocks, split at blank lines (empty when no blank line separates them)."""
    regions: list[list[Line]] = field(default_factory=list)
    """Maximal stretches of prose lines, in source order."""
    blank_style: bool = True
    strips: list[tuple[Line, ...]] = field(default_factory=list)
    """Vertical strips OCR'd as spaced lines: one (name, title) heading each, mostly on one
    line, sometimes broken into fragments on consecutive lines (``strip_groups``)."""
    kicker: Line | None = None
    """The overline on a line of its own, before a headline line that holds none."""


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    offset = 0
    gap = 0
    for no, raw in enumerate(text.split("\n"), start=1):
        if raw.strip(" \t\u3000\u00a0\ufeff\f"):
            lines.append(Line(no=no, start=offset, raw=raw, gap=gap))
            gap = 0
        else:
            gap += 1
        offset += len(raw) + 1
    return lines


# A spaced strip: short Chinese tokens (Tesseract's words) separated by spaces, at least four.
_STRIP_TOKEN = re.compile(
    r"[\u3400-\u9fff\uf900-\ufaff\ufe10-\ufe4f\[\]「」『』“”‘’A-Za-z0-9+]{1,6}"
)
_HAN_SPACE_HAN = re.compile(r"(?<=[\u3400-\u9fff]) +(?=[\u3400-\u9fff])")
_SENTENCE_END = frozenset("。？！?!…")


def is_spaced_strip(text: str) -> bool:
    """Is this line a vertical strip OCR'd as one line (``谢 振 华 海上 风电 带动 …``)?

    Four or more tokens, every one a short run of Han characters (or the quote marks and
    縦中横 letters a title holds), mostly one or two characters long: the spaces stand for
    cells, not for the one gap between an overline and a headline.
    """
    tokens = text.split()
    if len(tokens) < 4 or not all(_STRIP_TOKEN.fullmatch(t) for t in tokens):
        return False
    # the spaces stand between Chinese characters, not around digits (``从 1 到 10 ”的``)
    if len(_HAN_SPACE_HAN.findall(text)) < 3:
        return False
    return sum(len(t) for t in tokens) / len(tokens) <= 2.5


def _is_fragment(line: Line) -> bool:
    """Could this line be a piece of a vertical strip that OCR broke up (``谢 振 华 海上``,
    ``六新 ﹄``, ``化``)? Strip tokens only (no sentence marks), mostly one or two characters
    each, or one short word alone."""
    tokens = line.text.split()
    if not all(_STRIP_TOKEN.fullmatch(t) for t in tokens):
        return False
    if len(tokens) == 1:
        return len(tokens[0]) <= 4 and all(is_wide(ch) for ch in tokens[0])
    return sum(map(len, tokens)) / len(tokens) <= 3


# A heading holds a name (2+ characters) and a title (SHORT_TITLE, 4+): a shorter piece of
# spaced text is a fragment of a heading, never a heading of its own.
_MIN_HEADING = 6


def _opens_a_heading(text: str) -> bool:
    """A strip's start: the name read one character per token (``谢 振 华``, ``司马 瞻 东``),
    and room for a title after it."""
    from .headings import COMMON_SURNAMES, COMPOUND_SURNAMES
    from .variant import to_simplified

    tokens = text.split()
    if len(tokens) < 3 or sum(1 for ch in text if is_wide(ch)) < _MIN_HEADING:
        return False
    first = to_simplified(tokens[0])
    surname = first in COMMON_SURNAMES or first in COMPOUND_SURNAMES
    return surname and len(tokens[1]) == 1


def strip_groups(lines: list[Line], taken: list[bool]) -> list[list[int]]:
    """Indices of the lines that make up each vertical strip read as spaced text.

    A strip is mostly one line (``is_spaced_strip``). When OCR broke it into fragments, they
    come on consecutive lines without a blank line between them; a fragment joins the strip
    above it, unless it is a whole strip itself, opening with a name, while the one above is
    whole too (strips pasted one per line). Only a line spaced between Chinese characters
    opens a group, and a group that does not read as a strip when joined stays prose.
    ``taken``: lines already given another role.
    """
    groups: list[list[int]] = []
    for i, line in enumerate(lines):
        if taken[i] or not _is_fragment(line):
            continue
        if groups and groups[-1][-1] == i - 1 and line.gap == 0:
            above = " ".join(lines[j].text for j in groups[-1])
            whole = is_spaced_strip(line.text)
            if not (whole and is_spaced_strip(above) and _opens_a_heading(line.text)):
                groups[-1].append(i)
                continue
        if _HAN_SPACE_HAN.search(line.text):
            groups.append([i])
    return [g for g in groups if is_spaced_strip(" ".join(lines[j].text for j in g))]


def _has_headline_space(text: str) -> bool:
    """A space run between two wide (Chinese) characters: the overline/headline separator."""
    for match in re.finditer(r"[ \u3000\u00a0\t]+", text):
        a, b = match.start(), match.end()
        if 0 < a and b < len(text) and is_wide(text[a - 1]) and is_wide(text[b]):
            return True
    return False


def _kicker_shape(line: Line, headline: Line, prose_width: float) -> bool:
    """An overline on its own line: one short line, no sentence-final mark, set apart by a
    blank line from what precedes it (Tesseract gives each block of the head its own block)."""
    text = line.text
    return (
        text[-1] not in _SENTENCE_END
        and 2 <= line.width <= max(16.0, 0.8 * prose_width)
        and not any(ch in "，。；;,、" for ch in text)
        and headline.gap >= 1
    )


def _headline_score(lines: list[Line], i: int, blank_style: bool, prose_width: float) -> float:
    line = lines[i]
    text = line.text
    score = 0.0
    prev = lines[i - 1] if i else None
    if (
        prev is not None
        and not _has_headline_space(text)
        and text[-1] not in "。；;，,"
        and line.gap >= 1
        and _kicker_shape(prev, line, prose_width)
        and (i < 2 or lines[i - 1].gap >= 1)
    ):
        score += 1.0  # a short line over it, each on its own: overline and headline
    if _has_headline_space(text):
        score += 5
    if text[-1] in _QUESTION_OR_EXCLAMATION:
        score += 2
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    if nxt is not None:
        if blank_style and nxt.gap == 0 and len(nxt.text) > 1:
            score += 1.5
        if nxt.width > 1.4 * prose_width and nxt.width > line.width + 4:
            score += 2
    return score


def segment(text: str) -> Page:
    return segment_lines(split_lines(text))


def segment_lines(lines: list[Line]) -> Page:
    """Blocks of the page made of ``lines`` (the page's lines less any furniture)."""
    page = Page(lines=lines)
    if not lines:
        return page
    gaps = [line.gap for line in lines[1:]]
    page.blank_style = bool(gaps) and sum(1 for g in gaps if g > 0) >= 0.5 * len(gaps)

    single = [len(line.text.replace(" ", "")) == 1 for line in lines]
    # 縦中横: digits or Latin letters set across one cell of a vertical title (AI, 5G+, 2035)
    # arrive as one short line between one-character lines, and belong to the heading.
    for i, line in enumerate(lines):
        if not single[i] and _ACROSS_ONE_CELL.fullmatch(line.text):
            before = i > 0 and single[i - 1] and is_wide(lines[i - 1].text[0])
            after = i + 1 < len(lines) and single[i + 1] and is_wide(lines[i + 1].text[0])
            single[i] = before or after
    kind = ["prose"] * len(lines)
    for i, line in enumerate(lines):
        if MODERATOR.match(line.text) and not single[i]:
            kind[i] = "moderator"
    for group in strip_groups(lines, [k != "prose" for k in kind]):
        for j in group:
            kind[j] = "strip"
        page.strips.append(tuple(lines[j] for j in group))
    i = 0
    while i < len(lines):
        if single[i] and kind[i] == "prose":
            j = i
            while j < len(lines) and single[j]:
                j += 1
            if j - i >= 2:
                block = lines[i:j]
                page.vertical.append(block)
                for k in range(i, j):
                    kind[k] = "vertical"
            i = max(j, i + 1)
        else:
            i += 1
    for block in page.vertical:
        inner = [line.gap for line in block[1:]]
        low = min(inner) if inner else 0
        run: list[Line] = [block[0]]
        runs = []
        for line in block[1:]:
            if line.gap > low:
                runs.append(run)
                run = [line]
            else:
                run.append(line)
        runs.append(run)
        page.vertical_runs.extend(runs)

    moderators = [i for i, k in enumerate(kind) if k == "moderator"]
    if moderators:
        page.moderator = lines[moderators[-1]]
        for i in moderators[:-1]:
            kind[i] = "prose"

    prose_widths = sorted(line.width for line, k in zip(lines, kind, strict=True) if k == "prose")
    prose_width = prose_widths[len(prose_widths) // 2] if prose_widths else 0.0
    best, best_score = None, 3.9
    for i, k in enumerate(kind):
        if k != "prose":
            continue
        score = _headline_score(lines, i, page.blank_style, prose_width)
        if score > best_score:
            best, best_score = i, score
    if best is not None:
        page.headline = lines[best]
        kind[best] = "headline"
        before = best - 1
        if (
            split_headline(lines[best].text) is None
            and before >= 0
            and kind[before] == "prose"
            and _kicker_shape(lines[before], lines[best], prose_width)
        ):
            page.kicker = lines[before]
            kind[before] = "kicker"

    region: list[Line] = []
    for line, k in zip(lines, kind, strict=True):
        if k == "prose":
            region.append(line)
        elif region:
            page.regions.append(region)
            region = []
    if region:
        page.regions.append(region)
    return page


def split_headline(text: str) -> tuple[str, str, int] | None:
    """Split the headline line at its first space between two Chinese characters.

    Returns (kicker, title, offset of the title) or None if there is no such space (the line is
    a headline without an overline). Spaces next to digits or Latin letters are OCR layout
    spaces inside the kicker or title, not the separator.
    """
    for match in re.finditer(r"[ \u3000\u00a0\t]+", text):
        a, b = match.start(), match.end()
        if 0 < a and b < len(text) and is_wide(text[a - 1]) and is_wide(text[b]):
            return text[:a], text[b:], b
    return None
