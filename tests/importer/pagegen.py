"""A layout generator: sets known paragraphs into an OCR-like newspaper page.

It reproduces what the issue describes, so the importer can be tested on pages nobody has
seen: each article in its own random column width, lost indents (or U+3000 / ASCII-space
indents in the plain style), punctuation compression (a line holds one character more when a
mark would otherwise start the next line), push-out (a line one or two characters short when
a character moves down with its mark, or an opening mark may not end a line), unbreakable
numbers, OCR spaces around digits, vertical headings with vertical presentation forms, the
headline block first or last, 2 to 6 panelists, several encodings and line ends.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass

from conftest import BOOK

from zhpress.cjk import NO_LINE_END, NO_LINE_START, is_wide
from zhpress.manuscript.load import load_book

HORIZONTAL_TO_VERTICAL = {"“": "\ufe43", "”": "\ufe44", "（": "\ufe35", "）": "\ufe36"}
# A Traditional page quotes with corner brackets; its vertical headings with ﹁﹂ and ﹃﹄.
CORNER_TO_VERTICAL = {
    "「": "\ufe41",
    "」": "\ufe42",
    "『": "\ufe43",
    "』": "\ufe44",
    "（": "\ufe35",
    "）": "\ufe36",
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭萧田董潘袁蔡蒋余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国志海波云飞文斌宏鹏晓雨森向民珍震"


@dataclass
class Article:
    title: str
    paragraphs: list[str]


@dataclass
class Expected:
    title: str
    kicker: str
    moderator: str
    lede: list[str]
    chapters: list[tuple[str, str, list[str]]]


def seed_articles() -> list[list[Article]]:
    """Per seed article: its usable forms (the whole article, or it split in two)."""
    book = load_book(BOOK)
    forms = []
    for chapter in book.chapters:
        paras = [b.text for b in chapter.blocks]
        whole = [Article(chapter.title, paras)]
        # split before the first enumerated paragraph (or in the middle), so that no piece
        # opens with 二是
        cut = next((i for i, p in enumerate(paras) if p.startswith("一是")), len(paras) // 2)
        cut = max(1, min(cut, len(paras) - 1))
        forms.append((whole, [paras[:cut], paras[cut:]]))
    return forms


def _echo_title(paras: list[str], others: str, rng: random.Random) -> str:
    """A title that echoes its own text: a Han-only stretch found nowhere else on the page."""
    text = "".join(paras)
    runs = [m.group() for m in re.finditer(r"[\u4e00-\u9fff]{8,}", text)]
    rng.shuffle(runs)
    for run in runs:
        for size in (12, 10, 9, 8):
            for start in range(0, max(1, len(run) - size + 1)):
                cand = run[start : start + size]
                if len(cand) == size and cand not in others:
                    return cand
    raise AssertionError("no distinctive title")


def choose_articles(rng: random.Random, k: int) -> list[Article]:
    forms = seed_articles()
    split = set(rng.sample(range(len(forms)), max(0, k - len(forms))))
    split |= {i for i in range(len(forms)) if rng.random() < 0.3}
    pieces: list[tuple[str | None, list[str]]] = []
    for i, (whole, halves) in enumerate(forms):
        if i in split:
            pieces.extend((None, half) for half in halves)
        else:
            pieces.append((whole[0].title, whole[0].paragraphs))
    rng.shuffle(pieces)
    pieces = pieces[:k]
    out = []
    for i, (title, paras) in enumerate(pieces):
        if title is None:
            others = "".join("".join(p) for j, (_, p) in enumerate(pieces) if j != i)
            title = _echo_title(paras, others, rng)
        out.append(Article(title, paras))
    return out


def _tokens(text: str) -> list[str]:
    """Digits and Latin letters are unbreakable words; every other character is one token."""
    return re.findall(r"[A-Za-z0-9.%]+|.", text)


def _w(token: str) -> float:
    return sum(1.0 if is_wide(ch) else 0.5 for ch in token)


def set_paragraph(text: str, width: int, rng: random.Random) -> list[str]:
    """Break one paragraph into lines of a column ``width`` ems wide, first line indented 2."""
    tokens = _tokens(text)
    lines: list[list[str]] = []
    i = 0
    first = True
    while i < len(tokens):
        cap = width - 2 if first else width
        line: list[str] = []
        used = 0.0
        while i < len(tokens) and used + _w(tokens[i]) <= cap:
            line.append(tokens[i])
            used += _w(tokens[i])
            i += 1
        if i < len(tokens) and line:
            nxt = tokens[i]
            if nxt in NO_LINE_START:
                if rng.random() < 0.6:  # compression: the mark squeezes in
                    line.append(nxt)
                    i += 1
                else:  # push-out: the last character goes down with the mark
                    i -= 1
                    line.pop()
            while len(line) > 1 and line[-1] in NO_LINE_END:
                line.pop()
                i -= 1
        if not line:  # a token wider than the column
            line.append(tokens[i])
            i += 1
        lines.append(line)
        first = False
    return ["".join(line) for line in lines]


def _ocr_spaces(line: str, rng: random.Random) -> str:
    """OCR renders the Han-digit gap as a space now and then (突破 3 万亿元)."""

    def repl(m: re.Match) -> str:
        a, b = m.start(), m.end()
        before = " " if a > 0 and is_wide(line[a - 1]) and rng.random() < 0.4 else ""
        after = " " if b < len(line) and is_wide(line[b]) and rng.random() < 0.4 else ""
        return before + m.group() + after

    return re.sub(r"\d+", repl, line)


def _names(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []  # a list, not a set: the page must not depend on hash order
    while len(names) < n:
        size = rng.choice((1, 2, 2))
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(size))
        if name not in names:
            names.append(name)
    return names


def _widths(rng: random.Random, k: int, min_step: int) -> list[int]:
    widths = [rng.randint(12, 22)]
    while len(widths) < k:
        w = rng.randint(12, 22)
        if abs(w - widths[-1]) >= min_step:
            widths.append(w)
    return widths


@functools.lru_cache(maxsize=1)
def _s2tw():
    import opencc

    return opencc.OpenCC("s2tw")  # loading the dictionaries takes a second: once


def to_traditional(text: str) -> str:
    """A Hong Kong or Taiwan page's form of ``text``: Traditional characters, corner quotes."""
    converted = _s2tw().convert(text)
    return converted.translate(str.maketrans("“”‘’", "「」『』"))


def _furniture(rng: random.Random, names: list[str]) -> tuple[list[str], list[str]]:
    """(lines at the top of the page, the lines of a photo caption) of a newspaper page."""
    header = (
        f"{rng.randint(2019, 2026)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日 "
        f"星期{rng.choice('一二三四五六日')} 责任编辑：{names[0]} 美术编辑：{names[1]}"
    )
    label = f"{rng.choice('ABC')}{rng.randint(1, 16)} {rng.choice(['观点', '评论', '圆桌'])}"
    top = [header, label] if rng.random() < 0.5 else [label, header]
    caption = f"▲ 图为佛山一家智能工厂的自动化生产线。（记者 {names[2]} 摄）"
    cut = rng.randint(10, len(caption) - 4)
    lines = [caption] if rng.random() < 0.5 else [caption[:cut], caption[cut:]]
    return top, lines


def _strip_line(name: str, cells: list[str], rng: random.Random, brackets: bool) -> str:
    """A vertical strip as Tesseract's ``chi_sim_vert`` gives it: one line, the name's
    characters spaced, the title in short words; vertical quotes read as ``[ ]`` if
    ``brackets``."""
    tokens = list(name)
    i = 0
    while i < len(cells):
        size = rng.choice((1, 2, 2, 2)) if cells[i].isascii() is False else 1
        tokens.append("".join(cells[i : i + size]))
        i += size
    line = " ".join(tokens)
    if brackets:
        line = line.translate(str.maketrans({"\ufe43": "[", "\ufe44": "]"}))
    return line


def _fragments(line: str, rng: random.Random) -> list[str]:
    """The strip broken into two or three short lines (Tesseract's layout analysis cut it):
    the name with the title's first word or two, then the rest."""
    tokens = line.split()
    name_end = next(i for i, t in enumerate(tokens) if len(t) > 1 or i >= 4)
    cuts = sorted(rng.sample(range(name_end + 1, len(tokens)), min(2, len(tokens) - name_end - 1)))
    cuts = cuts[: rng.choice((1, 2))]
    pieces = [tokens[a:b] for a, b in zip([0, *cuts], [*cuts, len(tokens)], strict=True)]
    return [" ".join(piece) for piece in pieces if piece]


def _columns(lines: list[tuple[str, bool]], rng: random.Random, merges: list[str] | None) -> str:
    """An article's (line, opens a paragraph) pairs as Tesseract reads them off the page: set
    in two or three balanced columns (each as tall as the first, the last one shorter), a
    blank line before every paragraph and every column, no indents. Now and then the tops of
    two neighbouring columns come as one line (column A's first line, a space or nothing,
    column B's first line: the layout analysis took them for one text line), and column B
    goes on from its second line; each merged line is added to ``merges`` (None: no merges)."""
    count = rng.choice((2, 2, 3))
    height = max(3, -(-len(lines) // count))
    cols = [lines[a : a + height] for a in range(0, len(lines), height)]
    if len(cols) >= 2 and rng.random() < 0.7 and merges is not None:
        c = rng.randrange(len(cols) - 1)
        (a, a_start), (b, _) = cols[c][0], cols[c + 1][0]
        joined = a.strip() + rng.choice((" ", "")) + b.strip()
        merges.append(joined)
        cols[c] = [(joined, a_start), *cols[c][1:]]
        cols[c + 1] = cols[c + 1][1:]
    out = []
    for col in cols:
        text = ""
        for n, (line, starts) in enumerate(col):
            if n:
                text += "\n\n" if starts else "\n"
            text += line.strip()
        if text:
            out.append(text)
    return "\n\n".join(out)


def make_page(
    seed: int,
    *,
    min_step: int = 0,
    merge_vertical: bool = False,
    furniture: bool = False,
    traditional: bool = False,
    across_one_cell: bool = False,
    blank_between_every_line: bool = False,
    ocr_strips: str | None = None,
    merged_tops: bool = False,
    tesseract_body: bool = False,
) -> tuple[bytes, Expected, dict]:
    """A random page; ``min_step`` is the least width difference between adjacent articles;
    ``merge_vertical`` lets the plain styles drop the blank lines between vertical runs;
    ``furniture`` adds a dateline header, a page label and a photo caption between two
    articles; ``traditional`` sets the whole page in Traditional characters with corner quotes;
    ``across_one_cell`` puts digits or Latin letters into titles, set across one cell of the
    vertical heading (縦中横: ``AI`` on one line); ``merged_tops`` lays the body out as
    Tesseract reads a page (``_columns``: each article in two or three balanced columns, a
    blank line at every paragraph start and column break, no indents) and merges the tops of
    some neighbouring columns into one line; ``tesseract_body`` the same layout, no merges.
    """
    rng = random.Random(seed)
    k = rng.randint(2, 6)
    articles = choose_articles(rng, k)
    book = load_book(BOOK)
    names = _names(rng, k + 1)
    tr = to_traditional if traditional else (lambda text: text)
    vertical_forms = CORNER_TO_VERTICAL if traditional else HORIZONTAL_TO_VERTICAL
    if traditional:
        articles = [Article(tr(a.title), [tr(p) for p in a.paragraphs]) for a in articles]
        names = [tr(name) for name in names]
    moderator = names.pop()
    if across_one_cell:
        for art in articles:
            if rng.random() < 0.7:
                at = rng.randint(1, len(art.title) - 1)
                token = rng.choice(["AI", "5G+", "2035", "IP", "6G"])
                art.title = art.title[:at] + token + art.title[at:]
    style = rng.choice(("blank", "blank", "plain-u3000", "plain-spaces"))
    if blank_between_every_line:
        style = "blank"
    if merged_tops or tesseract_body:
        style = "tesseract"
    sep = "\n\n" if style == "blank" else "\n"
    widths = _widths(rng, k, min_step)

    def indent(first: bool) -> str:
        if not first:
            return ""
        if style == "plain-u3000":
            return "\u3000\u3000"
        if style == "plain-spaces":
            return "    "
        return " " if rng.random() < 0.15 else ""

    top, caption = _furniture(rng, _names(rng, 3)) if furniture else ([], [])
    caption_after = rng.randrange(k - 1) if caption else -1
    body_lines: list[str] = []
    merges: list[str] = []
    for n_art, (art, width) in enumerate(zip(articles, widths, strict=True)):
        set_lines = [
            (indent(n == 0) + _ocr_spaces(line, rng), n == 0)
            for para in art.paragraphs
            for n, line in enumerate(set_paragraph(para, width, rng))
        ]
        if style == "tesseract":
            body_lines.append(_columns(set_lines, rng, merges if merged_tops else None))
        else:
            body_lines.extend(line for line, _ in set_lines)
        if n_art == caption_after:
            body_lines.extend(caption)
    kicker, title = tr(book.kicker or "后3万亿时代"), tr(book.title)
    lede = [tr(b.text) for b in book.lede]
    lede_w = max(widths) + rng.randint(8, 16)
    headline = f"{kicker} {title.replace('？', '?')}"
    lede_lines = [
        indent(n == 0) + _ocr_spaces(line, rng)
        for para in lede
        for n, line in enumerate(set_paragraph(para, lede_w, rng))
    ]
    order = list(range(k))
    rng.shuffle(order)
    vertical_runs = []
    sep_v = "\n\n" if blank_between_every_line else "\n"
    strips = []
    for i in order:
        cells = re.findall(r"[A-Za-z0-9+\-.%]+|.", articles[i].title)
        cells = [vertical_forms.get(c, c) for c in cells]
        if ocr_strips:
            line = _strip_line(names[i], cells, rng, ocr_strips == "brackets")
            if ocr_strips == "fragments":
                strips.append("\n".join(_fragments(line, rng)))
            else:
                strips.append(line)
            continue
        vertical_runs.append(sep_v.join(names[i]))
        vertical_runs.append(sep_v.join(cells))
    head_block = headline + ("\n\n" if blank_between_every_line else "\n") + sep.join(lede_lines)
    # Engines that drop blank lines drop them between the vertical runs too, sometimes.
    merged = style != "blank" and rng.random() < 0.5 and merge_vertical
    tail = ("\n" if merged else "\n\n").join(vertical_runs) + "\n\n" + f"主持人：{moderator}"
    if strips:
        tail = "\n\n".join(strips) + "\n\n" + f"主持人：{moderator}"
    body = ("\n\n" if style == "tesseract" else sep).join(body_lines)
    headline_first = rng.random() < 0.4
    if headline_first:
        text = head_block + "\n\n" + tail + "\n\n" + body + "\n"
    else:
        text = body + "\n\n" + head_block + "\n\n" + tail + "\n"
    if top:
        text = "\n".join(top) + "\n\n" + text
    newline = rng.choice(("\n", "\r\n", "\r"))
    text = text.replace("\n", newline)
    encodings = ("utf-8", "utf-8-sig", "gb18030", "utf-16")
    if traditional:  # Taiwan and Hong Kong pages come in Big5 rather than GB18030
        encodings = ("utf-8", "utf-8-sig", "cp950", "utf-16")
    encoding = rng.choice(encodings)
    if encoding == "cp950" and any(ch.encode("cp950", "ignore") == b"" for ch in text):
        encoding = "utf-8"  # a character Big5 lacks: such a page comes as Unicode
    data = text.encode(encoding)
    expected = Expected(
        title=title,
        kicker=kicker,
        moderator=moderator,
        lede=lede,
        chapters=[(names[i], art.title, art.paragraphs) for i, art in enumerate(articles)],
    )
    info = {
        "k": k,
        "style": style,
        "widths": widths,
        "encoding": encoding,
        "newline": repr(newline),
        "headline_first": headline_first,
        "merged_vertical": merged,
        "furniture": top + caption,
        "caption_after": caption_after,
        "strips": strips,
        "merged_tops": merges,
    }
    return data, expected, info
