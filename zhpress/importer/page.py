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


def _has_headline_space(text: str) -> bool:
    """A space run between two wide (Chinese) characters: the overline/headline separator."""
    for match in re.finditer(r"[ \u3000\u00a0\t]+", text):
        a, b = match.start(), match.end()
        if 0 < a and b < len(text) and is_wide(text[a - 1]) and is_wide(text[b]):
            return True
    return False


def _headline_score(lines: list[Line], i: int, blank_style: bool, prose_width: float) -> float:
    line = lines[i]
    text = line.text
    score = 0.0
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
