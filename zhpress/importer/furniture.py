"""Page furniture: the lines of a newspaper page that belong to the page, not to its articles.

A page carries a date-and-editors header (``2024年3月15日 星期五 责任编辑：… 美术编辑：…``),
page or section labels (``A4 观点``, ``第4版``) and photo captions (``▲ 图为……（记者 … 摄）``).
OCR returns them as lines among the columns; read as prose, a header is glued to the first
paragraph and a caption between two articles merges the last paragraph of one, the caption and
the first paragraph of the next. They are recognised by their markers, which body text does not
carry in that shape, and kept out of the paragraphs; the importer accounts for them as their
own category and lists them in the review list, so nothing is lost silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .page import Line

# Editors' credits: 责任编辑：… 美术编辑：… (Simplified and Traditional forms).
_CREDIT = re.compile(
    r"(责任编辑|責任編輯|美术编辑|美術編輯|责任校对|責任校對|版式设计|版式設計|本版编辑|本版編輯)"
    r"\s*[:：]"
)
# A dateline with the weekday: 2024年3月15日 星期五 (or 周五 / 週五).
_DATELINE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(星期|周|週)[一二三四五六日天]")
# A page or section label standing alone: A4 观点, A04版, 第4版 要闻, 08 評論.
_LABEL = re.compile(
    r"^(?:[A-Z]{1,2}\s*\d{1,2}\s*版?|第\s*\d{1,2}\s*版|\d{1,2}\s*版)(?:\s*[\u4e00-\u9fff·]{1,6})?$"
)
# Photo captions: opened by a triangle or a square marker, or carrying the photographer's credit.
_CAPTION_OPEN = re.compile(r"^[▲△■□●◆]\s*\S")
_CAPTION_CREDIT = re.compile(
    r"[（(]\s*(?:新华社|新華社|本报|本報)?\s*(?:记者|記者|通讯员|通訊員)[^）)]{0,30}\s*(?:摄|攝)\s*[）)]"
)
_SENTENCE_MARKS = frozenset("。，；")
# A caption wraps over a few lines at most; a longer run is text that happens to start with ▲.
_CAPTION_MAX_LINES = 5


@dataclass(frozen=True)
class Furniture:
    kind: str
    """``header``, ``label`` or ``caption``."""
    lines: tuple[Line, ...]

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.lines)


def _is_header(text: str) -> bool:
    if _SENTENCE_MARKS & set(text):
        return False
    return bool(_CREDIT.search(text) or _DATELINE.search(text))


def _caption_end(lines: list[Line], i: int, usual_gap: int) -> int | None:
    """End (exclusive) of a caption opening at line i, or None if line i opens none.

    A caption ends with its credit or closing bracket, or where the blank lines grow wider
    than between the page's own lines (some engines put a blank line after every line)."""
    if _CAPTION_OPEN.match(lines[i].text):
        for j in range(i, min(len(lines), i + _CAPTION_MAX_LINES)):
            if j > i and lines[j].gap > usual_gap:
                return j
            if _CAPTION_CREDIT.search(lines[j].text) or lines[j].text.endswith(("）", ")")):
                return j + 1
        return i + 1
    if _CAPTION_CREDIT.search(lines[i].text) and len(lines[i].text) <= 60:
        return i + 1
    return None


def find(lines: list[Line]) -> list[Furniture]:
    """The furniture among ``lines``, in source order."""
    found: list[Furniture] = []
    gaps = sorted(line.gap for line in lines[1:])
    usual_gap = gaps[len(gaps) // 2] if gaps else 0
    i = 0
    while i < len(lines):
        text = lines[i].text
        if _is_header(text):
            found.append(Furniture("header", (lines[i],)))
            i += 1
            continue
        if _LABEL.match(text.replace("\u3000", " ")):
            found.append(Furniture("label", (lines[i],)))
            i += 1
            continue
        end = _caption_end(lines, i, usual_gap)
        if end is not None:
            found.append(Furniture("caption", tuple(lines[i:end])))
            i = end
            continue
        i += 1
    return found
