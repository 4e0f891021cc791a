"""Split the body into one article per panelist and match each (name, title) pair to its text.

The vertical headings give the panelists and their titles but not where each article starts,
and their order is unrelated to the articles' order. The evidence, scored together by a
dynamic programme over paragraph boundaries:

- *column width*: each article is set in its own column, so W may change only between
  articles (several articles may share a W, so this alone cannot split them);
- *enumeration*: 一是 … 二是 … 三是 runs on inside an article; a paragraph opening with 一是
  after 二是/三是/四是 starts a new enumeration and so, most likely, a new article, and no
  article opens with 二是;
- *content*: a title echoes its own article's text (``夯实制造业转型升级综合改革试点经验``
  appears word for word in its article). Title n-grams that occur in few paragraphs are
  evidence; phrases every article uses (新型工业化) are not;
- *length*: an article of one paragraph among longer ones is unlikely (``LENGTH_PRIOR``);
- *echo position*: a title usually echoes its article's opening paragraph; weighed after the
  search, on the splits one paragraph from the one found (``refine_boundaries``).

The search is over (paragraph, titles used, current title, current W, last ordinal, paragraphs
so far up to LENGTH_CAP) with a beam, so time grows linearly with the number of paragraphs
for a fixed number of panelists.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace

from ..cjk import is_han

ARTICLE_PRIOR = -1.0
# Opening an article at a soft paragraph start (see draft._soft_units) also opens a paragraph
# the line shapes did not ask for (paragraphs.BREAK_PRIOR).
SOFT_START = -1.0
RESTART_INSIDE = -8.0
OPENS_WITH_LATER_ORDINAL = -6.0
SKIPPED_ORDINAL = -1.0
NEXT_ORDINAL = 1.0
TITLE_WEIGHT = 3.0
# An article whose enumeration (一是 … 三是) has run rarely goes on with a plain paragraph; the
# next article usually does.
ENUMERATION_CLOSED = -2.0
BEAM = 400
# Score of an article by its number of paragraphs: 1, 2, LENGTH_CAP or more. Measured on
# generated equal-width pages 0-999: -0.5 for one paragraph fixes 4 wrong pages and breaks 1
# (368, a real one-paragraph article); -1.0 or a penalty on two paragraphs do no better.
LENGTH_PRIOR = (-0.5, 0.0, 0.0)
LENGTH_CAP = len(LENGTH_PRIOR)
# Weighed after the search (``refine_boundaries``): a title echo in an article's first
# paragraph counts ECHO_AT[0], in its second ECHO_AT[1]. Measured on generated equal-width
# pages 0-999 (benchmarks/equal_width.py), on top of LENGTH_PRIOR: (2, 1) fixes 6 more of 25
# wrong pages and breaks none; (3, 1.5) breaks one; (2, 1, 0.5) fixes fewer.
ECHO_AT = (2.0, 1.0)
MIN_GRAM = 3


# Discourse connectives refer back to what came before, so a paragraph that opens with one
# continues its article rather than opening the next.
CONNECTIVES = (
    "具体来看",
    "具体而言",
    "具体来说",
    "因此",
    "所以",
    "此外",
    "另外",
    "同时",
    "与此同时",
    "其次",
    "再次",
    "最后",
    "总之",
    "总而言之",
    "综上",
    "而且",
    "但是",
    "然而",
    "不过",
    "对此",
    "为此",
    "由此",
    "可见",
    "换言之",
    "也就是说",
)
OPENS_WITH_CONNECTIVE = -3.0


def opening_ordinal(o: int) -> float:
    """What an article opening with ordinal o scores: 二是 opens no article; 一是 starts its
    enumeration as well as it goes on after a plain paragraph (``NEXT_ORDINAL`` both ways),
    so the ordinal alone does not pull an article's last paragraph into the next one."""
    if o >= 2:
        return OPENS_WITH_LATER_ORDINAL
    return NEXT_ORDINAL if o == 1 else 0.0


def ordinal_bonus(o: int, last: int) -> float:
    """What paragraph ordinal o scores reading on in an article whose last ordinal was
    ``last`` (0: none yet)."""
    if not o:
        return ENUMERATION_CLOSED if last else 0.0
    if o <= last:
        return RESTART_INSIDE
    return NEXT_ORDINAL if o == last + 1 else SKIPPED_ORDINAL


def length_prior(paragraphs: int) -> float:
    """An article of one paragraph among longer ones is unlikely (a proofreader suspects a
    boundary one paragraph off), of two a little less likely than of three or more."""
    return LENGTH_PRIOR[min(paragraphs, LENGTH_CAP) - 1]


def opens_with_connective(text: str) -> bool:
    return text.startswith(CONNECTIVES)


def match_key(text: str) -> str:
    """Text reduced to Han characters, letters and digits, for n-gram matching."""
    return "".join(ch for ch in text if is_han(ch) or ch.isalnum())


def title_grams(title: str) -> list[str]:
    """The title's distinct substrings of at least MIN_GRAM characters (two characters match
    by chance), in a fixed order so scores add up the same way every run."""
    key = match_key(title)
    return sorted({key[a:b] for a in range(len(key)) for b in range(a + MIN_GRAM, len(key) + 1)})


def title_affinity(paragraph_keys: list[str], titles: list[str]) -> list[list[float]]:
    """``out[p][t]``: how strongly paragraph p echoes title t (0 when it does not).

    Sum over the title's substrings of length >= 3 (two characters match by chance) found in
    the paragraph, longer ones weighing more and each scaled by its rarity among the
    paragraphs (idf); the title's total is compressed with log1p so one long echo counts a lot
    but cannot outweigh everything else.
    """
    m = len(paragraph_keys)
    out = [[0.0] * len(titles) for _ in range(m)]
    for t, title in enumerate(titles):
        for gram in title_grams(title):
            hits = [p for p, text in enumerate(paragraph_keys) if gram in text]
            if not hits:
                continue
            # inverse document frequency, zero for phrases in more than 60% of paragraphs
            idf = math.log(0.6 * m / len(hits))
            if idf <= 0:
                continue
            # shared among the paragraphs that contain it: a phrase repeated in every paragraph
            # of a long article weighs as much as one echo, not once per paragraph
            weight = (len(gram) - MIN_GRAM + 1) ** 2 * idf / len(hits)
            for p in hits:
                out[p][t] += weight
    # The whole evidence a title gives is a concave function of its total match, shared among
    # paragraphs in proportion to their match: spreading a phrase over many paragraphs must
    # not add up to more than one clear echo.
    for t in range(len(titles)):
        total = sum(row[t] for row in out)
        if total > 0:
            scale = TITLE_WEIGHT * math.log1p(total) / total
            for row in out:
                row[t] *= scale
    return out


# How much a dip in the wording shared across a boundary (``break_evidence``) counts for
# opening an article there, per standard deviation. Measured on generated pages: 1.0 and 0.5
# give the same gain on equal-width neighbours; 2.0 overrides titles and widths (fuzz 618610).
COHESION_WEIGHT = 1.0
COHESION_WINDOW = 1


def break_evidence(paragraph_keys: list[str]) -> list[float]:
    """Per paragraph p: how much the wording changes between the paragraphs before p and from
    p on, in standard deviations (positive: less shared than usual, a likely boundary).

    A proofreader who cannot place a boundary by widths or titles reads on and notices where
    the subject changes: two articles share fewer words than two paragraphs of one article
    (lexical cohesion, as in Hearst's TextTiling). Words are the paragraphs' character pairs,
    each weighted by its rarity among the paragraphs, so 工业 on every paragraph says nothing.
    Linear in the page: windows of COHESION_WINDOW paragraphs on each side (one measured
    best on generated pages: wider windows blur the boundary between short articles).
    """
    m = len(paragraph_keys)
    if m < 4:
        return [0.0] * m
    grams = [{key[i : i + 2] for i in range(len(key) - 1)} for key in paragraph_keys]
    df: dict[str, int] = {}
    for g in grams:
        for gram in g:
            df[gram] = df.get(gram, 0) + 1
    weight = {gram: math.log(m / n) for gram, n in df.items()}
    sims = [0.0] * m
    for p in range(1, m):
        before: set[str] = set().union(*grams[max(0, p - COHESION_WINDOW) : p])
        after: set[str] = set().union(*grams[p : p + COHESION_WINDOW])
        small, large = (before, after) if len(before) <= len(after) else (after, before)
        shared = sum(weight[g] for g in small if g in large)
        total = sum(map(weight.__getitem__, before)) + sum(map(weight.__getitem__, after))
        sims[p] = shared / ((total - shared) or 1.0)
    inner = sims[1:]
    mean = sum(inner) / len(inner)
    std = math.sqrt(sum((x - mean) ** 2 for x in inner) / len(inner)) or 1.0
    return [0.0] + [max(-2.0, min(2.0, (mean - x) / std)) for x in inner]


@dataclass(frozen=True)
class Article:
    title_index: int
    first: int
    """Index of the article's first paragraph."""
    end: int
    """Index one past its last paragraph."""
    width: int
    affinity: float
    """Summed title affinity of its paragraphs, 0 when the title echoes nothing."""


def split_articles(
    costs: list[dict[int, float]],
    ordinals: list[int],
    affinity: list[list[float]],
    k: int,
    connective: list[bool] | None = None,
    continuation: list[dict[int, float] | None] | None = None,
    cohesion: list[float] | None = None,
) -> list[Article]:
    """Best split of m paragraphs into k contiguous articles, each with a distinct title.

    ``connective[p]``: paragraph p opens with a discourse connective (具体来看，因此，…).
    ``cohesion[p]``: ``break_evidence``, the change of wording at paragraph p.
    ``continuation[p]``: for a soft unit (a paragraph start only if an article starts there),
    its score per width when it reads on in the same article; None for a real paragraph.
    """
    m = len(costs)
    if k == 0 or m < k:
        return []
    widths = sorted(set().union(*(c.keys() for c in costs)))
    full = (1 << k) - 1

    def cost(p: int, w: int) -> float:
        c = costs[p]
        return c[w] if w in c else min(c.values()) - 20.0

    def read_on(p: int, w: int) -> float:
        soft = continuation[p] if continuation else None
        if soft is None:
            return cost(p, w)
        return soft[w] if w in soft else min(soft.values()) - 20.0

    def soft_start(p: int) -> float:
        return SOFT_START if continuation and continuation[p] is not None else 0.0

    # state: (mask, title, W, last ordinal, paragraphs so far capped at LENGTH_CAP) -> score;
    # history for back-tracking
    State = tuple[int, int, int, int, int]
    layer: dict[State, float] = {}
    history: list[dict[State, State | None]] = []
    back0: dict[State, State | None] = {}
    o = ordinals[0]
    for t in range(k):
        for w in widths:
            state = (1 << t, t, w, o, 1)
            layer[state] = cost(0, w) + affinity[0][t] + opening_ordinal(o)
            back0[state] = None
    history.append(back0)
    for p in range(1, m):
        o = ordinals[p]
        new: dict[State, float] = {}
        back: dict[State, State | None] = {}

        def offer(state, value, prev, new=new, back=back):
            if value > new.get(state, -math.inf):
                new[state] = value
                back[state] = prev
            return None

        remaining = m - p
        # A new article's score does not depend on the previous article's title, width or
        # ordinal, so only the best state per set of used titles can start one (its length
        # prior added: the previous article closes here).
        best_per_mask: dict[int, tuple[float, State]] = {}
        for state, value in layer.items():
            mask = state[0]
            value += length_prior(state[4])
            if mask.bit_count() < k and value > best_per_mask.get(mask, (-math.inf,))[0]:
                best_per_mask[mask] = (value, state)
        opening = opening_ordinal(o)
        if connective and connective[p]:
            opening += OPENS_WITH_CONNECTIVE
        opening += soft_start(p)
        if cohesion:
            opening += COHESION_WEIGHT * cohesion[p]
        for mask, (value, state) in best_per_mask.items():
            for t2 in range(k):
                if mask >> t2 & 1:
                    continue
                for w2 in widths:
                    offer(
                        (mask | 1 << t2, t2, w2, o, 1),
                        value + ARTICLE_PRIOR + opening + cost(p, w2) + affinity[p][t2],
                        state,
                    )
        soft = continuation is not None and continuation[p] is not None
        for state, value in layer.items():
            mask, t, w, last, n = state
            used = mask.bit_count()
            # continue the same article
            if k - used < remaining:  # enough paragraphs left for the unused titles
                offer(
                    (mask, t, w, o or last, n if soft else min(n + 1, LENGTH_CAP)),
                    value + read_on(p, w) + affinity[p][t] + ordinal_bonus(o, last),
                    state,
                )
        if len(new) > BEAM:
            keep = sorted(new, key=new.__getitem__, reverse=True)[:BEAM]
            new = {s: new[s] for s in keep}
            back = {s: back[s] for s in keep}
        layer = new
        history.append(back)
    layer = {s: v + length_prior(s[4]) for s, v in layer.items()}
    finals = [s for s in layer if s[0] == full]
    if not finals:
        return []
    state = max(finals, key=layer.__getitem__)
    labels: list[tuple[int, int]] = []
    for p in range(m - 1, -1, -1):
        labels.append((state[1], state[2]))
        prev = history[p][state]
        if prev is None:
            break
        state = prev
    labels.reverse()
    articles: list[Article] = []
    start = 0
    for p in range(1, m + 1):
        if p == m or labels[p][0] != labels[p - 1][0]:
            t, w = labels[start]
            aff = sum(affinity[q][t] for q in range(start, p))
            articles.append(Article(t, start, p, w, aff))
            start = p
    return articles


@dataclass(frozen=True)
class Evidence:
    """The inputs of ``split_articles``, kept together to score a split after the search."""

    costs: list[dict[int, float]]
    ordinals: list[int]
    affinity: list[list[float]]
    connective: list[bool] | None = None
    continuation: list[dict[int, float] | None] | None = None
    cohesion: list[float] | None = None


def _article_score(ev: Evidence, first: int, end: int, title: int, soft: bool = True) -> float:
    """What ``split_articles`` adds up for paragraphs first..end-1 as one article, best W;
    without the soft signals (change of wording, length prior) if not ``soft``."""
    o = ev.ordinals[first]
    opening = opening_ordinal(o)
    if first:
        opening += ARTICLE_PRIOR
        if ev.connective and ev.connective[first]:
            opening += OPENS_WITH_CONNECTIVE
        if ev.continuation and ev.continuation[first] is not None:
            opening += SOFT_START
        if ev.cohesion and soft:
            opening += COHESION_WEIGHT * ev.cohesion[first]
    bonus = 0.0
    last = o
    paragraphs = 1
    for p in range(first + 1, end):
        o = ev.ordinals[p]
        bonus += ordinal_bonus(o, last)
        last = o or last
        if not (ev.continuation and ev.continuation[p] is not None):
            paragraphs += 1
    if soft:
        bonus += length_prior(paragraphs)
    affinity = sum(ev.affinity[p][title] for p in range(first, end))

    def at(p: int, w: int) -> float:
        table = ev.costs[p]
        soft = ev.continuation[p] if ev.continuation and p > first else None
        if soft is not None:
            table = soft
        return table[w] if w in table else min(table.values()) - 20.0

    widths = ev.costs[first].keys()
    fit = max(sum(at(p, w) for p in range(first, end)) for w in widths)
    return opening + bonus + affinity + fit


def echo_position(ev: Evidence, first: int, end: int, title: int) -> float:
    """Where in the article its title's echo sits: in the opening paragraph (where a writer
    states the thesis the title repeats) it counts ECHO_AT[0], in the second ECHO_AT[1],
    later nothing; weighted by the share of the title's echo each paragraph holds. Combined
    with the other signals, not alone: a title may echo an article's third paragraph."""
    total = sum(ev.affinity[p][title] for p in range(first, end))
    if total <= 0:
        return 0.0
    out = 0.0
    position = 0
    for p in range(first, end):
        if p > first and not (ev.continuation and ev.continuation[p] is not None):
            position += 1
        if position >= len(ECHO_AT):
            break
        out += ECHO_AT[position] * ev.affinity[p][title] / total
    return out


def _pair_score(ev: Evidence, a: Article, b: Article, cut: int, soft: bool = True) -> float:
    """Neighbours a and b with their boundary at ``cut``: the search's own scores plus where
    each title's echo sits in its article, which the search cannot carry. Without ``soft``:
    only what places a boundary firmly (widths, title echoes, enumeration, connectives)."""
    score = _article_score(ev, a.first, cut, a.title_index, soft) + _article_score(
        ev, cut, b.end, b.title_index, soft
    )
    if soft:
        score += echo_position(ev, a.first, cut, a.title_index)
        score += echo_position(ev, cut, b.end, b.title_index)
    return score


def refine_boundaries(ev: Evidence, articles: list[Article]) -> list[Article]:
    """Move each boundary by one paragraph where ``_pair_score`` prefers it, titles kept.

    The search scores paragraph by paragraph; whether a paragraph's wording belongs with the
    rest of its article, and where in the article a title's echo sits, are properties of whole
    articles, so they are weighed here, on the few splits next to the one found.
    """
    out = list(articles)
    for n in range(len(out) - 1):
        a, b = out[n], out[n + 1]
        cuts = [c for c in (b.first - 1, b.first, b.first + 1) if a.first < c < b.end]
        best = max(cuts, key=lambda c: (_pair_score(ev, a, b, c), c == b.first))
        if best != b.first:

            def echo(t: int, first: int, end: int) -> float:
                return sum(ev.affinity[q][t] for q in range(first, end))

            out[n] = replace(a, end=best, affinity=echo(a.title_index, a.first, best))
            out[n + 1] = replace(b, first=best, affinity=echo(b.title_index, best, b.end))
    return out


def boundary_margin(ev: Evidence, articles: list[Article], n: int, soft: bool = True) -> float:
    """How much worse the split gets when the boundary between article n and n+1 moves one
    paragraph either way, titles kept. A small margin is a boundary that nothing on the page
    places firmly: the review list names it."""
    a, b = articles[n], articles[n + 1]
    here = _pair_score(ev, a, b, b.first, soft)
    others = [
        _pair_score(ev, a, b, cut, soft)
        for cut in (b.first - 1, b.first + 1)
        if a.first < cut < b.end
    ]
    return min((here - x for x in others), default=math.inf)


def article_similarity(article_keys: list[str], titles: list[str]) -> list[list[float]]:
    """``out[a][t]``: how much title t echoes article a, counting each phrase once per article.

    Paragraph sums favour long articles that repeat a phrase; to assign titles to articles
    already cut, each title substring (>= 3 characters) counts once if the article contains
    it, weighted by length and by how few articles contain it (idf over articles).
    """
    n = len(article_keys)
    out = [[0.0] * len(titles) for _ in range(n)]
    for t, title in enumerate(titles):
        for gram in title_grams(title):
            hits = [a for a, text in enumerate(article_keys) if gram in text]
            if not hits or len(hits) == n:
                continue
            weight = (len(gram) - MIN_GRAM + 1) ** 2 * math.log(n / len(hits))
            for a in hits:
                out[a][t] += weight
    return out


def assign_titles(similarity: list[list[float]], initial: list[int]) -> list[int]:
    """The title for each article maximising total similarity (k <= 6: try every order).

    Ties keep the split's own labels, so titles that echo nothing are placed by elimination
    exactly as the split placed them.
    """
    k = len(initial)
    best, best_score = list(initial), None
    for perm in itertools.permutations(range(k)):
        score = sum(similarity[a][perm[a]] for a in range(k))
        score += 1e-6 * sum(1 for a in range(k) if perm[a] == initial[a])
        if best_score is None or score > best_score:
            best, best_score = list(perm), score
    return best
