"""Pair the vertical headings into (panelist name, title).

The headings arrive one character per line; blank lines usually separate a name run from its
title run, and then pairing is reading them two by two (names, of 2 to 3 characters, come
first; a page that sets titles first is recognised by the run lengths). Some OCR engines drop
every blank line, so all headings arrive as one run. Then the split is found by a dynamic
programme over the characters: a name is 2-4 Han characters starting with a common surname,
a title is the stretch after it, and a split is good when its titles echo the body (titles
repeat their article's words, ``articles``) and few of their characters echo nothing. The
result of that search is a guess and is reported as a warning.
"""

from __future__ import annotations

from ..cjk import is_han
from .normalize import Chars
from .variant import to_simplified

# The most common Chinese surnames (about 90% of the population); a name starts with one.
COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝萧"
)
# COMMON_SURNAMES is in order of frequency: the likelier the surname, the likelier a name.
_SURNAME_RANK = {}
for _rank, _ch in enumerate(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝萧"
):
    _SURNAME_RANK.setdefault(_ch, _rank)
RARE_SURNAME_DISCOUNT = 0.5
"""Bonus taken off for a surname outside the hundred most common: it breaks ties between a
real name and a common word that happens to start with a rarer surname character (关键)."""

# Two-character surnames (复姓): with them a four-character name is ordinary, not a stretch.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫 西门 "
    "轩辕 钟离 闻人 澹台 公冶 太史 申屠 呼延 万俟 赫连 百里 东郭 濮阳 单于".split()
)
MAX_TITLE = 40
# Every title names its article's subject in the article's own words (``articles`` relies on
# that), so a "title" that echoes no stretch of three characters anywhere in the body is almost
# surely the tail of a longer title cut off as a spurious extra pair.
NO_ECHO_TITLE_PENALTY = 4.0
# Headline-style titles are rarely shorter than four characters.
SHORT_TITLE = 4
SHORT_TITLE_PENALTY = 1.5
PAIR_COST = 4.0
SURNAME_BONUS = 3.0
NO_SURNAME_PENALTY = 3.0
RUN_BREAK_BONUS = 3.0
NAME_LENGTH_PRIOR = {2: 0.0, 3: -0.5, 4: -3.0}
# Prepositions and verbs that often open a title (从“六新”…, 以新质生产力…) and seldom end a
# given name: a split that puts one at the end of a name is probably one character late.
TITLE_OPENERS = frozenset("从以在把让用将对于与及由靠当推做抓走打谈探论看话")
TITLE_OPENER_PENALTY = 1.5


def _looks_like_name(chars: Chars) -> bool:
    return 2 <= len(chars) <= 4 and all(is_han(ch) for ch, _ in chars)


def pair_by_runs(runs: list[Chars]) -> list[tuple[Chars, Chars]] | None:
    """Read runs two by two, or None when they do not look like (name, title) pairs."""
    if not runs or len(runs) % 2:
        return None
    firsts, seconds = runs[0::2], runs[1::2]
    if all(_looks_like_name(r) for r in firsts) and all(len(r) >= 2 for r in seconds):
        if not all(len(a) > len(b) and len(b) <= 4 for a, b in zip(firsts, seconds, strict=True)):
            return list(zip(firsts, seconds, strict=True))
    if all(_looks_like_name(r) for r in seconds) and all(len(r) > 4 for r in firsts):
        return list(zip(seconds, firsts, strict=True))  # titles first
    if all(_looks_like_name(r) for r in firsts):
        return list(zip(firsts, seconds, strict=True))
    return None


def _echo_lengths(text: str, body: str) -> list[int]:
    """For each position, the longest stretch starting there that occurs in the body."""
    out = []
    for start in range(len(text)):
        length = 0
        while start + length < len(text) and text[start : start + length + 1] in body:
            length += 1
        out.append(length)
    return out


def _title_score(text: str, echo: list[int], a: int, b: int) -> float:
    """Han characters of text[a:b] covered by an echo of >= 3 characters, minus those not."""
    covered = [False] * (b - a)
    for s in range(a, b):
        end = min(s + echo[s], b)
        if end - s >= 3:
            for q in range(s, end):
                covered[q - a] = True
    score = 0.0
    for q in range(a, b):
        if is_han(text[q]):
            score += 1.0 if covered[q - a] else -1.0
    return score


# The body's column widths say how many articles there are at least (one per run of one width;
# neighbours may share a width, so more is possible): a split into fewer pairs than that is
# unlikely, one into more a little less likely than the echoes alone say (a title cut in two,
# 以应用场 + 景牵引, makes one pair too many).
TOO_FEW_PAIRS = 4.0
TOO_MANY_PAIRS = 1.5


def pair_by_content(
    runs: list[Chars], normalized: str, body: str, articles: int | None = None
) -> list[tuple[Chars, Chars]]:
    """Split the concatenated runs into (name, title) pairs that best echo the body.

    ``normalized`` is the concatenated run text after normalisation (one character per source
    character), used for matching; run boundaries that survive are hints, not rules.
    ``articles``: the least number of articles the body's column widths show, if known.
    """
    chars = [c for run in runs for c in run]
    n = len(chars)
    breaks = set()
    pos = 0
    for run in runs[:-1]:
        pos += len(run)
        breaks.add(pos)
    echo = _echo_lengths(normalized, body)
    # The surname tables are Simplified; a Traditional page's 黃 or 歐陽 is looked up as 黄, 欧阳.
    simple = to_simplified(normalized)
    if len(simple) != len(normalized):  # t2s maps character to character; never misalign
        simple = normalized
    # best[k][count]: (score, start of the last pair, end of its name) for chars[:k] in count pairs
    best: list[dict[int, tuple[float, int, int]]] = [{} for _ in range(n + 1)]
    best[0][0] = (0.0, -1, -1)
    for i in range(n):
        if not best[i]:
            continue
        for name_len, prior in NAME_LENGTH_PRIOR.items():
            j = i + name_len
            if j >= n or not all(is_han(normalized[q]) for q in range(i, j)):
                continue
            name_score = _name_score(normalized, simple, body, breaks, i, j, prior)
            for k in range(j + 2, min(n, j + MAX_TITLE) + 1):
                inner = sum(1 for q in breaks if i < q < k and q != j)
                pair_score = name_score - PAIR_COST - RUN_BREAK_BONUS * inner
                pair_score += _title_score(normalized, echo, j, k)
                if max(echo[j:k]) < 3:
                    pair_score -= NO_ECHO_TITLE_PENALTY
                pair_score -= SHORT_TITLE_PENALTY * max(0, SHORT_TITLE - (k - j))
                pair_score += RUN_BREAK_BONUS if k in breaks or k == n else 0.0
                for count, (base, _, _) in best[i].items():
                    score = base + pair_score
                    if count + 1 not in best[k] or score > best[k][count + 1][0]:
                        best[k][count + 1] = (score, i, j)
    if not best[n]:
        return []

    def final(count: int) -> float:
        score = best[n][count][0]
        if articles:
            score -= TOO_FEW_PAIRS * max(0, articles - count)
            score -= TOO_MANY_PAIRS * max(0, count - articles)
        return score

    count = max(sorted(best[n]), key=final)
    pairs = []
    k = n
    while k > 0:
        _, i, j = best[k][count]
        pairs.append((chars[i:j], chars[j:k]))
        k, count = i, count - 1
    pairs.reverse()
    return pairs


def _name_score(
    normalized: str, simple: str, body: str, breaks: set[int], i: int, j: int, prior: float
) -> float:
    """How much normalized[i:j] looks like a name: surname tables, length, run breaks."""
    name_len = j - i
    compound = simple[i : i + 2] in COMPOUND_SURNAMES and name_len >= 3
    surname = compound or simple[i] in COMMON_SURNAMES
    name_score = prior + (SURNAME_BONUS if surname else -NO_SURNAME_PENALTY)
    if compound:
        name_score -= prior  # 欧阳晓峰: four characters are the norm here
    elif surname and _SURNAME_RANK[simple[i]] >= 100:
        name_score -= RARE_SURNAME_DISCOUNT
    if simple[j - 1] in TITLE_OPENERS:
        name_score -= TITLE_OPENER_PENALTY
    # a name is not in the articles' text, a title's words are
    name_score += 0.5 * name_len if normalized[i:j] not in body else -name_len
    name_score += RUN_BREAK_BONUS if j in breaks else 0.0
    return name_score


def split_strip(normalized: str, body: str) -> int:
    """Where the name ends in one vertical strip read as a line (spaces already removed).

    A strip holds exactly one heading: a name of 2-4 characters, then the title. The name is
    chosen as ``pair_by_content`` chooses it (surname tables, name-length prior, title openers)
    and the title is scored by how much of it echoes the body; so a misread surname (类 for 郑)
    still leaves a three-character name when the title's first word echoes the text.
    """
    simple = to_simplified(normalized)
    if len(simple) != len(normalized):
        simple = normalized
    echo = _echo_lengths(normalized, body)
    best, best_len = None, 0
    for name_len, prior in NAME_LENGTH_PRIOR.items():
        if name_len + 2 > len(normalized):
            continue
        if not all(is_han(ch) for ch in normalized[:name_len]):
            continue
        compound = simple[:2] in COMPOUND_SURNAMES and name_len >= 3
        surname = compound or simple[0] in COMMON_SURNAMES
        score = prior + (SURNAME_BONUS if surname else 0.0)
        if compound:
            score -= prior
        if simple[name_len - 1] in TITLE_OPENERS:
            score -= TITLE_OPENER_PENALTY
        score += _title_score(normalized, echo, name_len, len(normalized))
        if best is None or score > best:
            best, best_len = score, name_len
    return best_len
