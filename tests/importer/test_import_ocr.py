"""Class 6: pages typeset from our own text and read by Tesseract 5 (``tools/ocr_pages.py``).

OCR misreadings are not the importer's to fix, so the score is over what the OCR left
recoverable: an item (headline, kicker, moderator, standfirst paragraph, name, title, body
paragraph) is recoverable when its text, whitespace aside and with ``? : ; ! ,`` folded to
their full-width forms, appears in the OCR output; every recoverable item must import exactly,
in the chapter of its own article. The same pages are also tried with their blocks moved (the
strips between the articles, the headline block last, the standfirst split around the
headline), as other operators paste them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from zhpress.importer.decode import decode_bytes
from zhpress.importer.draft import build_draft

GOLDEN = Path(__file__).parent / "golden" / "ocr"
PAGES = sorted(p.name.removesuffix(".ocr.txt") for p in GOLDEN.glob("*.ocr.txt"))
_FOLD = str.maketrans({"?": "？", ":": "：", ";": "；", "!": "！", ",": "，"})


def _canon(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(_FOLD)


def _pairs(paragraphs: list[str]) -> set[str]:
    text = "".join(paragraphs)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _import(text: str, name: str = "ocr.txt"):
    return build_draft(decode_bytes(text.encode("utf-8"), name), Path(name))


def score(draft, truth: dict, ocr: str) -> tuple[int, list[str]]:
    """(recoverable items, the ones not imported exactly)."""
    source = _canon(ocr)
    # names and titles are read where they stand, in the strips (a title also echoes its
    # article's text, which is no help when the strip was misread)
    headings = [_canon(line) for line in ocr.splitlines() if _is_strip(line)]
    misses: list[str] = []
    n = 0

    def check(label: str, want: str, ok: bool, where: list[str] = [source]) -> None:  # noqa: B006
        nonlocal n
        if any(_canon(want) in w for w in where):
            n += 1
            if not ok:
                misses.append(f"{label}: {want}")

    check("title", truth["title"], draft.title == truth["title"])
    check("kicker", truth["kicker"], draft.kicker == truth["kicker"])
    check("moderator", truth["moderator"], draft.moderator == truth["moderator"])
    for para in truth["lede"]:
        check("lede", para, para in draft.lede)
    if len(draft.chapters) != len(truth["chapters"]):
        misses.append(f"{len(draft.chapters)} chapters for {len(truth['chapters'])} articles")
        return n, misses
    for art in truth["chapters"]:
        # the article's chapter: the one sharing most character pairs with it (misreads aside)
        chapter = max(
            draft.chapters, key=lambda c: len(_pairs(c.paragraphs) & _pairs(art["paragraphs"]))
        )
        check("name", art["name"], chapter.panelist == art["name"], headings)
        check("title", art["title"], chapter.title == art["title"], headings)
        for para in art["paragraphs"]:
            check(f"{art['name']}'s paragraph", para, para in chapter.paragraphs)
    return n, misses


def _is_strip(line: str) -> bool:
    return line.count(" ") >= 3


def _blocks(text: str) -> list[str]:
    return text.strip("\n").split("\n\n")


def _variants(text: str, truth: dict) -> dict[str, str]:
    """The page as pasted other ways: blocks are what Tesseract separated by blank lines."""
    blocks = _blocks(text)
    strips = [b for b in blocks if _is_strip(b) and "\n" not in b]
    rest = [b for b in blocks if b not in strips]
    head_end = next(i for i, b in enumerate(rest) if "主持人" in b) + 1
    head, body = rest[:head_end], rest[head_end:]
    between = list(body)
    for n, strip in enumerate(strips):
        between.insert(min(len(between), 2 + 3 * n + n), strip)
    # the standfirst's first whole paragraph (up to the block that ends a sentence) goes up
    first = next(i for i, b in enumerate(head) if len(b) > 30)
    last = next(
        i
        for i in range(first, len(head))
        if head[i].split("\n")[0].endswith("。") or head[i].endswith("。")
    )
    split_lede = [*head[first : last + 1], *head[:first], *head[last + 1 :]]
    return {
        "as read": text,
        "strips between the articles": "\n\n".join(head + between),
        "headline block last": "\n\n".join(body + head + strips),
        "standfirst split around the headline": "\n\n".join(split_lede + strips + body),
    }


@pytest.mark.parametrize("page", PAGES)
def test_every_item_the_ocr_left_recoverable_imports_exactly(page: str):
    text = (GOLDEN / f"{page}.ocr.txt").read_text(encoding="utf-8")
    truth = json.loads((GOLDEN / f"{page}.truth.json").read_text(encoding="utf-8"))
    for how, variant in _variants(text, truth).items():
        draft = _import(variant)
        n, misses = score(draft, truth, variant)
        assert not misses, (how, misses)
        assert n >= 6, how  # the score is over a real share of the page, not a vacuous one


@pytest.mark.parametrize("page", PAGES)
def test_ocr_page_strips_spaces_and_lists_the_heading_split(page: str):
    text = (GOLDEN / f"{page}.ocr.txt").read_text(encoding="utf-8")
    draft = _import(text, f"{page}.ocr.txt")
    strips = [line for line in text.splitlines() if _is_strip(line)]
    dropped = draft.account.dropped
    assert dropped["OCR spaces between Chinese characters (rule ocr-spaces)"] >= sum(
        line.count(" ") for line in strips
    )
    assert not any(" " in p for c in draft.chapters for p in [c.panelist, c.title, *c.paragraphs])
    rows = [r for r in draft.review if "spaced lines" in r]
    assert len(rows) == 1 and rows[0].startswith(f"{page}.ocr.txt:")


def test_the_scorer_counts_a_wrong_split():
    """The scorer is not vacuous: paragraphs run together (a paragraph start missed) miss."""
    page = PAGES[0]
    text = (GOLDEN / f"{page}.ocr.txt").read_text(encoding="utf-8")
    truth = json.loads((GOLDEN / f"{page}.truth.json").read_text(encoding="utf-8"))
    draft = _import(text)
    for chapter in draft.chapters:
        chapter.paragraphs = ["".join(chapter.paragraphs)]
    _, misses = score(draft, truth, text)
    assert misses


def test_merged_column_tops_on_a_real_page_are_split_and_listed():
    """county-market-merged: the real Tesseract page with two columns' tops merged as
    Tesseract does it (郑文涛's first and second column with a space, 罗佳慧's without):
    every item imports exactly (the test above) and each merge is on the review list with
    its line; the space between the halves is accounted for."""
    page = "county-market-merged"
    text = (GOLDEN / f"{page}.ocr.txt").read_text(encoding="utf-8")
    draft = _import(text, f"{page}.ocr.txt")
    rows = [r for r in draft.review if "tops of two columns" in r]
    lines = text.splitlines()
    want = [n for n, line in enumerate(lines, start=1) if line.startswith(("农产品", "走进许多"))]
    assert [r.split(":")[1] for r in rows] == [str(n) for n in want], rows
    assert (
        draft.account.dropped["space between two columns' tops OCR merged (rule merged-columns)"]
        == 1
    )
