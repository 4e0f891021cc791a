"""``python build.py import``: one OCR'd newspaper page in, a first-draft manuscript out.

The importer's steps, each in its own module: ``decode`` (bytes to text), ``page`` (blocks by
shape), ``paragraphs`` (lines to paragraphs), ``articles`` (paragraphs to articles, titles
matched by content), ``normalize`` (the four text rules), ``names`` (chapter file names).
This module puts them together, checks that no text character is lost (``accounting``) and
writes the folder atomically: a failed import leaves no half-written folder and keeps the
previous one. (It is a little over 500 lines: the draft's assembly, its files and the atomic
write are one path that reads best in one place; the steps themselves are the modules above.)
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from ..cjk import NO_LINE_START, is_han
from ..errors import EXIT_OK, BookError, SourceError
from . import accounting, columns, furniture, variant
from .articles import (
    Article,
    Evidence,
    article_similarity,
    assign_titles,
    boundary_margin,
    break_evidence,
    match_key,
    opens_with_connective,
    refine_boundaries,
    split_articles,
    title_affinity,
)
from .decode import Decoded, read_source
from .headings import pair_by_content, pair_by_runs, split_strip
from .names import name_slug
from .normalize import Change, Chars, apply, normalize
from .page import MODERATOR, Line, Page, segment_lines, split_headline, split_lines
from .paragraphs import (
    Paragraph,
    candidate_widths,
    emissions,
    ordinal,
    paragraphs,
    sentence_end_strength,
    uses_indents,
)


@dataclass
class Chapter:
    panelist: str
    title: str
    paragraphs: list[str]
    file: str = ""


@dataclass
class Draft:
    title: str
    kicker: str | None
    moderator: str | None
    lede: list[str]
    chapters: list[Chapter]
    warnings: list[str] = field(default_factory=list)
    account: accounting.Account | None = None
    language: str = "zh-Hans"
    review: list[str] = field(default_factory=list)
    """Decisions an editor should check, each naming its source line (IMPORT-REVIEW.md)."""


def _line_chars(line: Line) -> Chars:
    return [(ch, line.text_start + i) for i, ch in enumerate(line.text)]


def join_lines(lines: list[Line] | tuple[Line, ...]) -> Chars:
    """Join a paragraph's lines with nothing between them, as Chinese text is written.

    CLREQ 3.1 (no inter-word spaces in Chinese): a line break inside a paragraph disappears.
    Only where a line ends and the next begins with a Latin letter do two words meet, and the
    line break stood for the space between them; that space is inserted (origin -1).
    """
    out: Chars = []
    for line in lines:
        chars = _line_chars(line)
        if out and chars:
            a, b = out[-1][0], chars[0][0]
            if a.isascii() and a.isalpha() and b.isascii() and b.isalpha():
                out.append((" ", -1))
        out.extend(chars)
    return out


def _text(chars: Chars) -> str:
    return "".join(ch for ch, _ in chars)


class _Builder:
    """Collects the normalised items and the rule log for ``accounting``'s account of every
    source character."""

    def __init__(self, quotes: str = "curly") -> None:
        self.log: list[Change] = []
        self.items: list[Chars] = []
        self.labels: list[int] = []
        self.quotes = quotes

    def item(self, chars: Chars) -> str:
        chars = normalize(chars, self.log, self.quotes)
        # Leading/trailing layout space of an item (e.g. after the kicker separator) is layout.
        while chars and chars[0][0].isspace():
            self.log.append(Change("edge-space", chars[0][1], chars[0][0], ""))
            chars = chars[1:]
        while chars and chars[-1][0].isspace():
            self.log.append(Change("edge-space", chars[-1][1], chars[-1][0], ""))
            chars = chars[:-1]
        self.items.append(chars)
        return _text(chars)


def _body_paragraphs(page: Page) -> tuple[list[Paragraph], list[Paragraph], bool]:
    """(standfirst paragraphs, body paragraphs) from the prose regions.

    The standfirst is set in a wider column than any article and follows the headline, so it
    is the leading run of wide paragraphs in the region right after the headline line.
    """
    explicit = uses_indents([line for region in page.regions for line in region])
    per_region = [paragraphs(region, explicit) for region in page.regions]
    all_paras = [p for ps in per_region for p in ps]
    lede: list[Paragraph] = []
    if page.headline is not None:
        index = page.lines.index(page.headline)
        nxt = page.lines[index + 1] if index + 1 < len(page.lines) else None
        top = page.kicker or page.headline
        above = page.lines.index(top) - 1
        while above >= 0 and page.lines[above] is page.moderator:
            above -= 1
        prv = page.lines[above] if above >= 0 else None
        for ps in per_region:
            after = bool(ps) and nxt is not None and ps[0].lines[0] is nxt
            # Tesseract may give part of the standfirst before the headline block
            before = bool(ps) and prv is not None and ps[-1].lines[-1] is prv
            if not (after or before):
                continue
            others = [p for p in all_paras if p not in ps] or ps[1:]
            body_widths = sorted(p.width for p in others for _ in p.lines)
            body_w = body_widths[len(body_widths) // 2] if body_widths else 0

            def wide(p: Paragraph, body_w: int = body_w) -> bool:
                return bool(body_w) and p.width >= body_w + 4 and p.width >= 1.25 * body_w

            if after:
                lede.extend(itertools.takewhile(wide, ps))
            else:
                tail = list(itertools.takewhile(wide, reversed(ps)))
                lede[:0] = reversed(tail)
    body = [p for p in all_paras if p not in lede]
    return lede, body, explicit


def _score(lines: tuple[Line, ...], widths: list[int], explicit: bool) -> dict[int, float]:
    """Score of lines read as one paragraph (roles fixed) under each candidate width."""
    emit = emissions(list(lines), widths, explicit)
    n = len(lines)
    roles = [3] if n == 1 else [0] + [1] * (n - 2) + [2]
    return {w: sum(emit[i][w][r] for i, r in enumerate(roles)) for w in widths}


def _rescore(body: list[Paragraph], explicit: bool) -> list[dict[int, float]]:
    """Score every body paragraph under the same candidate widths, so articles compare."""
    widths = candidate_widths([line for p in body for line in p.lines])
    return [_score(p.lines, widths, explicit) for p in body]


def _soft_units(
    body: list[Paragraph], explicit: bool
) -> tuple[list[Paragraph], list[dict[int, float] | None]]:
    """Cut paragraphs where a new, wider article could start unseen, for the article split.

    A new article set two ems wider than the last one opens with an indented line exactly as
    wide as the old column's full line; after a paragraph that ended on a full line with a
    sentence-final mark, nothing on the lines themselves tells the two readings apart (CLREQ
    3.1.4: only the lost indent would). Such a line is a *soft* paragraph start: the article
    split may open an article there, when the titles and widths say so, or read on. For each
    soft unit the second value is what it adds when read on (its score as the continuation
    of the unit before it); None for a unit that starts a paragraph for certain.
    """
    widths = candidate_widths([line for p in body for line in p.lines])
    known = set(widths)
    units: list[Paragraph] = []
    continuation: list[dict[int, float] | None] = []
    for para in body:
        cuts = [0]
        for i in range(1, len(para.lines)):
            before, line = para.lines[i - 1], para.lines[i]
            if sentence_end_strength(before.text) != 0.0 or before.width < para.width - 0.5:
                continue
            squeezed = line.text[-1] in NO_LINE_START  # a mark squeezed in: W-1, not W-2
            wider = round(line.width) + (1 if squeezed else 2)
            if wider > para.width and wider in known:
                cuts.append(i)
        pieces = [para.lines[a:b] for a, b in itertools.pairwise([*cuts, len(para.lines)])]
        for j, piece in enumerate(pieces):
            units.append(Paragraph(piece, para.width, {}))
            if j == 0:
                continuation.append(None)
                continue
            merged = _score(pieces[j - 1] + piece, widths, explicit)
            alone = _score(pieces[j - 1], widths, explicit)
            continuation.append({w: merged[w] - alone[w] for w in widths})
    return units, continuation


def _read_on(
    texts: list[str], continuation: list[dict[int, float] | None], first: int, end: int
) -> list[str]:
    """An article's paragraphs: a soft unit that did not open the article joins the one
    before (the cut was after a sentence-final mark, so nothing goes between them)."""
    out: list[str] = []
    for q in range(first, end):
        if q > first and continuation[q] is not None:
            out[-1] += texts[q]
        else:
            out.append(texts[q])
    return out


def _strip_pairs(page: Page, body_text: str, log: list[Change]) -> list[tuple[Chars, Chars]]:
    """One (name, title) pair per spaced strip; the spaces OCR put between its cells go."""
    pairs = []
    for strip in page.strips:
        chars = []
        for ch, origin in (c for line in strip for c in _line_chars(line)):
            if ch.isspace():
                log.append(Change("ocr-spaces", origin, ch, ""))
            else:
                chars.append((ch, origin))
        normalized = "".join(apply(ch) or ch for ch, _ in chars)
        cut = split_strip(normalized, body_text)
        if cut:
            pairs.append((chars[:cut], chars[cut:]))
        else:  # no name shape at all: the whole strip is the title, the name a placeholder
            pairs.append((_placeholder(f"{PLACEHOLDER_NAME}{len(pairs) + 1}"), chars))
    return pairs


def _pairs(
    page: Page, body_text: str, path: Path, log: list[Change], articles: int | None = None
) -> tuple[list[tuple[Chars, Chars]], list[str]]:
    """(name, title) character lists from the vertical runs, and any warning about them.

    ``articles``: how many articles the body's column widths show at least."""
    runs = page.vertical_runs
    if page.strips:
        pairs = _strip_pairs(page, body_text, log)
        found = ", ".join(
            f"{''.join(c for c, _ in n)} / {''.join(c for c, _ in t)}" for n, t in pairs
        )
        warning = (
            f"{path}:{page.strips[0][0].no}: the vertical headings came as spaced lines (one per "
            f"strip); names and titles split as: {found} — check them against the page"
        )
        if runs:
            more, warnings = _pairs(replace(page, strips=[]), body_text, path, log, articles)
            return pairs + more, [warning, *warnings]
        return pairs, [warning]
    if not runs:
        return [], [
            f"{path}:1: no vertical headings (panelists' names and titles, one character per "
            "line) found; the chapters have numbered placeholder panelists and titles"
        ]
    chars = [[c for line in run for c in _line_chars(line)] for run in runs]
    pairs = pair_by_runs(chars)
    if pairs is not None:
        return pairs, []
    flat = [c for run in chars for c in run]
    normalized = "".join(apply(ch) or ch for ch, _ in flat)
    pairs = pair_by_content(chars, normalized, body_text, articles)
    listing = "; ".join(f"line {r[0].no}: {''.join(x.text for x in r)}" for r in runs)
    if not pairs:
        return [], [
            f"{path}:{runs[0][0].no}: the vertical headings cannot be read as (name, title) "
            f"pairs ({listing}); the chapters have numbered placeholder panelists and titles"
        ]
    found = ", ".join(f"{''.join(c for c, _ in n)} / {''.join(c for c, _ in t)}" for n, t in pairs)
    warning = (
        f"{path}:{runs[0][0].no}: the vertical headings are not separated into name and title "
        f"runs; split by matching titles to the text as: {found} — check them"
    )
    return pairs, [warning]


# How much better (in the paragraph model's score) two neighbouring articles must fit their own
# column widths than one shared width before the width difference counts as evidence of a split.
WIDTH_EVIDENCE = 4.0


def _width_supported(prev: Article, art: Article, costs) -> bool:
    """Do the two sides fit their own column widths clearly better than one shared width?"""
    widths = costs[prev.first].keys()

    def fit(paras: range, w: int) -> float:
        return sum(costs[p].get(w, -1e9) for p in paras)

    left, right = range(prev.first, prev.end), range(art.first, art.end)
    apart = max(fit(left, w) for w in widths) + max(fit(right, w) for w in widths)
    together = max(fit(left, w) + fit(right, w) for w in widths)
    return apart - together >= WIDTH_EVIDENCE


def _supported(prev: Article | None, art: Article, ordinals: list[int], costs) -> bool:
    """Does structure alone (no title) justify a boundary between prev and art?

    Yes at the edge of the body; where the two sides fit their own column widths clearly
    better than one shared width; or where the previous article's enumeration (一是 … 二是 …)
    has run and art opens with a plain paragraph or 一是.
    """
    if prev is None:
        return True
    left = range(prev.first, prev.end)
    right = range(art.first, art.end)
    widths = costs[prev.first].keys()

    def fit(paras: range, w: int) -> float:
        return sum(costs[p].get(w, -1e9) for p in paras)

    apart = max(fit(left, w) for w in widths) + max(fit(right, w) for w in widths)
    together = max(fit(left, w) + fit(right, w) for w in widths)
    if apart - together >= WIDTH_EVIDENCE:
        return True
    ran = any(o >= 2 for o in ordinals[prev.first : prev.end])
    return ran and ordinals[art.first] <= 1


def _check_titles(articles, similarity, ordinals, costs, titles, names, body, heading_lines, path):
    """A title that echoes nothing is fine if structure supports its article, else an error."""
    warnings = []
    unsupported = False
    silent = []
    for n, art in enumerate(articles):
        if similarity[n][art.title_index] > 0:
            continue
        prev = articles[n - 1] if n else None
        nxt = articles[n + 1] if n + 1 < len(articles) else None
        ok = _supported(prev, art, ordinals, costs) and (
            nxt is None or _supported(art, nxt, ordinals, costs)
        )
        unsupported = unsupported or not ok
        silent.append(art)
    headings = [f"'{titles[a.title_index]}' ({names[a.title_index]})" for a in silent]
    if unsupported:
        first = min(a.title_index for a in silent)
        warnings.append(
            f"{path}:{heading_lines[first]}: the vertical heading(s) {', '.join(headings)} "
            "match no article in the body: no title echo and no change of column width or "
            "enumeration marks a separate article for them; the split is a guess — check that "
            "every panelist's article is on the page and where each begins",
        )
        # and where the guess put them, so the editor can go to the line
        for n, art in enumerate(articles):
            if art not in silent:
                continue
            for prev, nxt in (
                (articles[n - 1] if n else None, art),
                (art, articles[n + 1] if n + 1 < len(articles) else None),
            ):
                if prev is None or nxt is None or _width_supported(prev, nxt, costs):
                    continue
                warnings.append(
                    f"{path}:{body[nxt.first].lines[0].no}: the boundary between "
                    f"'{titles[prev.title_index]}' ({names[prev.title_index]}) and "
                    f"'{titles[nxt.title_index]}' ({names[nxt.title_index]}) is a guess (same "
                    "column width, one of the titles echoes nothing) — check where the second "
                    "article begins"
                )
        return warnings
    if len(silent) < 2:
        # One title left for one article, every other title placed by its echoes: the
        # elimination is forced, not a guess.
        return warnings
    for art, heading in zip(silent, headings, strict=True):
        where = body[art.first].lines[0].no
        warnings.append(
            f"{path}:{where}: the title {heading} shares no phrase with the article's text; "
            f"it was placed by elimination among {len(silent)} such titles, in the headings' "
            "order (column widths and enumeration support the split) — check the pairing"
        )
    return warnings


# A boundary between neighbours of one column width is placed by weak evidence when moving it
# one paragraph costs under WEAK_BOUNDARY in the full score, or under HARD_BOUNDARY counting
# only what places a boundary firmly (title echoes, widths, enumeration, connectives): then
# only the change of wording, the articles' lengths and where the echoes sit decide, and those
# are a proofreader's hunch, not proof. Measured on generated pages 0-999 (pagegen,
# min_step=0, benchmarks/equal_width.py): 20 of 279 right same-width boundaries and 9 of 16
# wrong ones are flagged; most wrong ones left are next to a title that echoes nothing, which
# ``_check_titles`` names. The seed's boundaries are all placed by column widths.
WEAK_BOUNDARY = 0.5
HARD_BOUNDARY = 0.5


def _weak_boundaries(ev, searched, articles, titles, names, body, path) -> list[str]:
    """Review entries for boundaries the page does not place firmly (``boundary_margins``).

    ``searched`` is the search's own result, whose titles are the ones its scores used; the
    message names the titles as finally assigned (``articles``)."""
    out = []
    for n in range(len(searched) - 1):
        if _width_supported(searched[n], searched[n + 1], ev.costs):
            continue
        margin = boundary_margin(ev, searched, n)
        hard = boundary_margin(ev, searched, n, soft=False)
        if margin >= WEAK_BOUNDARY and hard >= HARD_BOUNDARY:
            continue
        before, after = articles[n], articles[n + 1]
        where = body[after.first].lines[0].no
        out.append(
            f"{path}:{where}: the boundary between '{titles[before.title_index]}' "
            f"({names[before.title_index]}) and '{titles[after.title_index]}' "
            f"({names[after.title_index]}) rests on weak evidence (same column width, no "
            f"clear title echo near it; margin {margin:.1f}, {hard:.1f} on echoes, widths and "
            "enumeration alone) — check whether the paragraph before or after it belongs to "
            "the other article"
        )
    return out


PLACEHOLDER_HEADLINE = "待定标题"
PLACEHOLDER_NAME = "撰稿人"
PLACEHOLDER_TITLE = "待定篇名"


def _placeholder(text: str) -> Chars:
    """Text the importer inserts (origin -1) where the page gave nothing it could read."""
    return [(ch, -1) for ch in text]


def _guess_article_count(costs: list[dict[int, float]]) -> int:
    """How many articles a page without readable headings holds: one per stretch of
    paragraphs set at the same best column width (articles are set at their own widths)."""
    best = [max(c, key=c.__getitem__) for c in costs]
    return 1 + sum(1 for a, b in itertools.pairwise(best) if abs(a - b) >= 2)


def build_draft(decoded: Decoded, path: Path) -> Draft:
    text = decoded.text
    lines = split_lines(text)
    furnished = furniture.find(lines)
    aside = {id(line) for piece in furnished for line in piece.lines}
    kept, repairs = columns.split_merged_tops([line for line in lines if id(line) not in aside])
    page = segment_lines(kept)
    b = _Builder(variant.quote_style(text))
    review = []
    for fix in repairs:
        gap = range(fix.first.text_start + len(fix.first.text), fix.second.text_start)
        b.log.extend(Change("merged-columns", o, text[o], "") for o in gap)
        review.append(
            f"{path}:{fix.line.no}: the OCR read the tops of two columns as one line; split "
            f"into '{fix.first.text}' and '{fix.second.text}', the second moved before line "
            f"{fix.before.no} ('{fix.before.text[:8]}…'), the column it continues"
            + ("" if fix.sure else " — not sure where it goes: check both halves")
        )
    for piece in furnished:
        for line in piece.lines:
            b.log.extend(
                Change("furniture", line.text_start + i, ch, "")
                for i, ch in enumerate(line.text)
                if not ch.isspace()
            )
        review.append(
            f"{path}:{piece.lines[0].no}: page furniture ({piece.kind}) kept out of the text: "
            f"{piece.text}"
        )
    if not any(is_han(ch) for line in page.lines for ch in line.text):
        raise SourceError(
            "no Chinese text on the page",
            path=path,
            hint="the importer reads OCR'd Chinese newspaper pages",
        )
    head = page.headline
    split = split_headline(head.text) if head is not None else None
    if head is None:
        kicker = None
        title = b.item(_placeholder(PLACEHOLDER_HEADLINE))
        review.append(
            f"{path}:1: no headline line found (overline and headline separated by a space); "
            f"the title is a placeholder ({PLACEHOLDER_HEADLINE})"
        )
    elif split is None:
        kicker = b.item(_line_chars(page.kicker)) if page.kicker is not None else None
        title = b.item(_line_chars(head))
    else:
        kicker_text, _, title_at = split
        chars = _line_chars(head)
        kicker = b.item(chars[: len(kicker_text)])
        for ch, origin in chars[len(kicker_text) : title_at]:
            b.log.append(Change("headline-separator", origin, ch, ""))
        title = b.item(chars[title_at:])
    moderator = None
    if page.moderator is not None:
        line = page.moderator
        match = MODERATOR.match(line.text)
        assert match is not None
        chars = _line_chars(line)
        # "主持人：" is a label: the key 'moderator' carries its meaning (see accounting)
        b.labels.extend(origin for ch, origin in chars[: match.end()] if not ch.isspace())
        moderator = b.item(chars[match.end() :])
    lede_paras, whole, explicit = _body_paragraphs(page)
    body, continuation = _soft_units(whole, explicit)
    lede = [b.item(join_lines(p.lines)) for p in lede_paras]
    texts = [b.item(join_lines(p.lines)) for p in body]
    if not body:
        raise SourceError("no body text on the page, only headings", path=path)
    costs = _rescore(body, explicit)
    raw_pairs, pair_warnings = _pairs(
        page, "\n".join(texts), path, b.log, _guess_article_count(costs)
    )
    placeholders = not raw_pairs
    if placeholders:
        # Unread heading runs are kept for the editor on the review list, not lost silently.
        for run in page.vertical_runs:
            for line in run:
                b.log.extend(Change("unread-heading", o, ch, "") for ch, o in _line_chars(line))
        k = _guess_article_count(costs)
        raw_pairs = [
            (_placeholder(f"{PLACEHOLDER_NAME}{n}"), _placeholder(f"{PLACEHOLDER_TITLE}{n}"))
            for n in range(1, k + 1)
        ]
    raw_pairs = raw_pairs[: len(body)]  # more headings than paragraphs: see below
    heading_lines = [max(1, text.count("\n", 0, name[0][1]) + 1) for name, _ in raw_pairs]
    names = [b.item(name) for name, _ in raw_pairs]
    titles = [b.item(title) for _, title in raw_pairs]
    k = len(names)
    ordinals = [ordinal(t) for t in texts]
    affinity = title_affinity([match_key(t) for t in texts], titles)
    connective = [opens_with_connective(t) for t in texts]
    keys = [match_key(t) for t in texts]
    cohesion = break_evidence(keys)
    articles = split_articles(costs, ordinals, affinity, k, connective, continuation, cohesion)
    evidence = Evidence(costs, ordinals, affinity, connective, continuation, cohesion)
    articles = refine_boundaries(evidence, articles)
    searched = articles
    if len(articles) != k:
        raise SourceError(f"cannot split the body into {k} articles (a bug)", path=path)
    article_keys = [match_key("".join(texts[a.first : a.end])) for a in articles]
    similarity = article_similarity(article_keys, titles)
    order = assign_titles(similarity, [a.title_index for a in articles])
    articles = [replace(a, title_index=t) for a, t in zip(articles, order, strict=True)]
    warnings = pair_warnings
    if not placeholders:  # placeholder titles echo nothing by nature
        warnings += _check_titles(
            articles, similarity, ordinals, costs, titles, names, body, heading_lines, path
        )
        warnings += _weak_boundaries(evidence, searched, articles, titles, names, body, path)
    chapters = []
    for art in articles:
        chapters.append(
            Chapter(
                panelist=names[art.title_index],
                title=titles[art.title_index],
                paragraphs=_read_on(texts, continuation, art.first, art.end),
            )
        )
    for i, chapter in enumerate(chapters, start=1):
        chapter.file = f"{i:02d}-{name_slug(chapter.panelist)}.md"
    draft = Draft(title, kicker, moderator, lede, chapters, warnings)
    draft.language = variant.language(text)
    draft.review = review + warnings
    draft.account = accounting.account(text, b.items, b.log, b.labels, decoded, path)
    return draft


def _scalar(value: str) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, width=1 << 30)
    dumped = dumped.rstrip("\n")
    if dumped.endswith("\n..."):
        dumped = dumped[:-4]
    return dumped.rstrip("\n")


_BLOCK_START = re.compile(
    r"^(?:(?P<number>\d{1,9})(?P<dot>[.)])(?=\s|$)"  # 1. 1) an ordered list
    r"|(?P<mark>[-+*](?=\s|$)|[-*_](?=[-*_ ]*$)|[>#]|~~~|```|<[A-Za-z/!?])"
    r"|(?P<bracket>\[)(?=[^\]]*\]:))"  # [a]: or [^1]: a definition
)


def escape_block_syntax(paragraph: str) -> str:
    """A paragraph of OCR text that would read as Markdown block syntax (``1. ``, ``- ``,
    ``> ``, ``#``, a rule, a fence, a definition, HTML) with its first mark escaped by a
    backslash, so it stays the text it is (docs/MANUSCRIPT.md, contract v2). CommonMark drops
    a backslash before punctuation, so every edition shows the text as it was."""
    match = _BLOCK_START.match(paragraph)
    if match is None:
        return paragraph
    if match.group("number") is not None:
        at = match.end("number")
        return paragraph[:at] + "\\" + paragraph[at:]
    return "\\" + paragraph


def render_files(draft: Draft) -> dict[str, str]:
    """The manuscript's files, in the contract's format (docs/MANUSCRIPT.md)."""
    files: dict[str, str] = {}
    lines = [f"title: {_scalar(draft.title)}"]
    if draft.kicker:
        lines.append(f"kicker: {_scalar(draft.kicker)}")
    if draft.moderator:
        lines.append(f"moderator: {_scalar(draft.moderator)}")
    if draft.lede:
        lines.append("lede: |")
        for n, para in enumerate(draft.lede):
            if n:
                lines.append("")
            lines.append(f"  {escape_block_syntax(para)}")
    lines.append(f"language: {draft.language}")
    lines.append("chapters:")
    lines += [f"  - {c.file}" for c in draft.chapters]
    files["book.yaml"] = "\n".join(lines) + "\n"
    for c in draft.chapters:
        head = f"---\npanelist: {_scalar(c.panelist)}\ntitle: {_scalar(c.title)}\n---\n\n"
        body = "\n\n".join(escape_block_syntax(p) for p in c.paragraphs)
        files[c.file] = head + body + "\n"
    if draft.review:
        files[REVIEW_FILE] = render_review(draft.review)
    return files


REVIEW_FILE = "IMPORT-REVIEW.md"


def render_review(entries: list[str]) -> str:
    """The editor's checklist: every decision the importer was not sure of, with its source
    line. The build reads only the files book.yaml lists, so this file never reaches a book."""
    head = (
        "# Import review\n\n"
        "The importer was not sure of these decisions. Check each against the source page,\n"
        "correct the manuscript where needed, then tick it off or delete this file.\n\n"
    )
    return head + "".join(f"- [ ] {entry}\n" for entry in entries)


def _verify(folder: Path, draft: Draft) -> None:
    """Load what was written with the manuscript loader and compare it with the draft."""
    from ..manuscript.load import load_book

    try:
        book = load_book(folder)
    except BookError as exc:
        raise SourceError(f"the draft does not load as a manuscript: {exc}") from None
    got = (
        book.title,
        book.kicker,
        book.moderator,
        [blk.text for blk in book.lede],
        [(c.panelist, c.title, [blk.text for blk in c.blocks]) for c in book.chapters],
    )
    want = (
        draft.title,
        draft.kicker,
        draft.moderator,
        [escape_block_syntax(p) for p in draft.lede],
        [
            (c.panelist, c.title, [escape_block_syntax(p) for p in c.paragraphs])
            for c in draft.chapters
        ],
    )
    if got != want:
        raise SourceError("the written manuscript does not read back as imported (a bug)")


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def _refuse_to_overwrite(out: Path, force: bool) -> None:
    """An editor's corrected manuscript is never replaced by a fresh draft by accident."""
    if out.exists() and not out.is_dir():
        raise SourceError("the output exists and is not a folder", path=out)
    if out.exists() and not _is_empty_dir(out) and not force:
        raise SourceError(
            "the output folder is not empty; refusing to overwrite it",
            path=out,
            hint="add --force to replace it",
        )


def write_atomically(out: Path, files: dict[str, str], draft: Draft, *, force: bool) -> None:
    """Write into a sibling temporary folder, verify it, then swap it in with renames."""

    def fill(tmp: Path) -> None:
        for name, content in files.items():
            (tmp / name).write_bytes(content.encode("utf-8"))
        _verify(tmp, draft)

    replace_folder(out, fill, force=force)


def replace_folder(out: Path, fill: Callable[[Path], None], *, force: bool) -> None:
    """Fill a sibling temporary folder (``fill`` writes and verifies it), then swap it in for
    ``out`` with renames: a failure anywhere keeps the previous folder and leaves nothing."""
    _refuse_to_overwrite(out, force)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.import-", dir=parent))
    old: Path | None = None
    try:
        fill(tmp)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.rmdir(old)
            os.replace(out, old)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not out.exists():
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def import_page(source: Path, out: Path, *, force: bool = False, report: bool = False) -> int:
    source = Path(source)
    out = Path(out)
    _refuse_to_overwrite(out, force)  # before the slow work, and again before writing
    decoded = read_source(source)
    draft = build_draft(decoded, source)
    files = render_files(draft)
    write_atomically(out, files, draft, force=force)
    assert draft.account is not None
    paragraphs_n = sum(len(c.paragraphs) for c in draft.chapters)
    print(
        f"imported {source} ({decoded.encoding}, {decoded.newline} line ends): "
        f"{len(draft.chapters)} chapters, {paragraphs_n} paragraphs, "
        f"{len(draft.lede)} lede paragraph(s) -> {out}"
    )
    if report:
        print(draft.account.render())
    for entry in draft.review:
        print(f"warning: {entry}", file=sys.stderr)
    if draft.review:
        print(f"{len(draft.review)} decision(s) to review: {out / REVIEW_FILE}", file=sys.stderr)
    return EXIT_OK
