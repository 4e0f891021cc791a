"""Character classes and text rules for Chinese, shared by the importer and the composer.

References: W3C CLREQ (Requirements for Chinese Text Layout, "Prohibition rules for line start
and line end", "Punctuation adjustment") and GB/T 15834-2011 (use of punctuation marks).
"""

from __future__ import annotations

import unicodedata

# CLREQ 3.1.6: opening brackets/quotes (may not end a line).
OPENING = frozenset("“‘（〔［｛《〈「『【〖〘〚([{")
# Closing brackets/quotes (may not start a line).
CLOSING = frozenset("”’）〕］｝》〉」』】〗〙〛)]}")
# Pause and stop marks that occupy the left half of their em in Simplified Chinese
# (may not start a line): 、，。．：；？！ and their ASCII look-alikes are not used in CJK text.
PAUSE_OR_STOP = frozenset("、，。．：；？！")
# Marks that may not start a line at CLREQ's basic level: closing marks, pause/stop marks,
# the interpunct and the connector marks' second halves are handled as inseparable pairs.
NO_LINE_START = CLOSING | PAUSE_OR_STOP | frozenset("·・〃々〻ー")
NO_LINE_END = OPENING
# Inseparable marks: two-em dash and ellipsis are never split across lines (GB/T 15834 4.9, 4.11).
INSEPARABLE = frozenset("—…")
# Marks whose glyph occupies only half of its em box and can be compressed by half when they
# meet another such mark (CLREQ 3.1.7 "Punctuation adjustment").
HALF_WIDTH_GLYPH = OPENING | CLOSING | PAUSE_OR_STOP | frozenset("·")
SENTENCE_END = frozenset("。！？…")

# ASCII punctuation that OCR produces after Chinese text and its full-width form (GB/T 15834).
ASCII_TO_FULLWIDTH = {"?": "？", "!": "！", ":": "：", ";": "；", ",": "，"}

# Vertical presentation forms (U+FE10-FE19, U+FE30-FE4F) to their horizontal marks. In vertical
# text ﹃﹄ are the rotated forms of “” (GB/T 15834 4.1: vertical text uses ﹃﹄ for double quotes),
# so NFKC, which maps them to 『』, is wrong for Simplified Chinese.
VERTICAL_TO_HORIZONTAL = {
    "\ufe41": "「",
    "\ufe42": "」",
    "\ufe43": "“",
    "\ufe44": "”",
    "\ufe35": "（",
    "\ufe36": "）",
    "\ufe37": "｛",
    "\ufe38": "｝",
    "\ufe39": "〔",
    "\ufe3a": "〕",
    "\ufe3b": "【",
    "\ufe3c": "】",
    "\ufe3d": "《",
    "\ufe3e": "》",
    "\ufe3f": "〈",
    "\ufe40": "〉",
    "\ufe47": "［",
    "\ufe48": "］",
    "\ufe10": "，",
    "\ufe11": "、",
    "\ufe12": "。",
    "\ufe13": "：",
    "\ufe14": "；",
    "\ufe15": "！",
    "\ufe16": "？",
    "\ufe17": "〖",
    "\ufe18": "〗",
    "\ufe19": "…",
    "\ufe31": "—",
    "\ufe32": "–",
    "\ufe33": "_",
    "\ufe34": "_",
}


def is_han(ch: str) -> bool:
    """A Han ideograph (CJK Unified Ideographs and extensions, compatibility ideographs)."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x3FFFF
        or 0xF900 <= cp <= 0xFAFF
        or cp in (0x3007, 0x3005)
    )


def is_cjk_punct(ch: str) -> bool:
    return ch in OPENING or ch in CLOSING or ch in PAUSE_OR_STOP or ch in INSEPARABLE or ch in "·"


def is_wide(ch: str) -> bool:
    """Occupies a full em in CJK text: East Asian Width W or F (and ambiguous CJK marks and
    circled numbers, which the footnotes use)."""
    if ch in "“”‘’—…·":
        return True
    if "\u2460" <= ch <= "\u24ff":
        return True  # ①–⑳ and the other enclosed alphanumerics: a full em in CJK faces
    return unicodedata.east_asian_width(ch) in ("W", "F")


def is_western(ch: str) -> bool:
    """Latin letters and digits that get 1/4 em of space next to Han (CLREQ 3.2)."""
    return ch.isalnum() and not is_wide(ch)


def display_width(text: str) -> float:
    """Width in ems: wide characters count 1, everything else 1/2 (East Asian Width)."""
    return sum(1.0 if is_wide(ch) else 0.5 for ch in text)


# --- Line composition rules (CLREQ 3.1.6 prohibitions, 3.2 mixed text) ----------------------

# The marks the "lone mark" rule is about: pause and stop marks set alone keep their full em.
LONE_MARKS = frozenset("、，。；：？！")
# Marks that take part in punctuation adjustment (CLREQ 3.1.7) when they meet each other.
ADJUSTABLE = OPENING | CLOSING | PAUSE_OR_STOP


def is_ideograph(ch: str) -> bool:
    """Han, kana or hangul: the characters that get 1/4 em next to Western text."""
    if is_han(ch):
        return True
    cp = ord(ch)
    return 0x3040 <= cp <= 0x30FF or 0xAC00 <= cp <= 0xD7AF or 0x31F0 <= cp <= 0x31FF


_RUN_CHAR: dict[str, bool] = {}
"""``is_western_run_char`` by character: asked for every character of the book, several times
over (the EPUB's spacing, the search check), and a book has a few thousand distinct ones."""


def is_western_run_char(ch: str) -> bool:
    """Part of a Western word or number (letters, digits, and the signs set with them: % + - .)."""
    known = _RUN_CHAR.get(ch)
    if known is None:
        known = _RUN_CHAR[ch] = not ch.isspace() and not is_wide(ch) and ch.isprintable()
    return known


def western_runs(text: str) -> list[tuple[int, int]]:
    """[start, end) of every maximal run of Western characters in ``text``."""
    runs = []
    start = -1
    known = _RUN_CHAR.get
    for i, ch in enumerate(text):
        western = known(ch)
        if western is None:
            western = is_western_run_char(ch)
        if western:
            if start < 0:
                start = i
        elif start >= 0:
            runs.append((start, i))
            start = -1
    if start >= 0:
        runs.append((start, len(text)))
    return runs


def quarter_em_boundaries(text: str) -> set[int]:
    """Positions i where 1/4 em belongs between text[i-1] and text[i] (CLREQ 3.2.2).

    Between an ideograph and a Western run that holds a letter or digit ("2023年", "54%的",
    "产业IP"); not next to punctuation, whose own blank already separates it, and not around
    a lone sign such as the "+" of "人工智能+".
    """
    found = set()
    for start, end in western_runs(text):
        if not any(ch.isalnum() for ch in text[start:end]):
            continue
        if start > 0 and is_ideograph(text[start - 1]):
            found.add(start)
        if end < len(text) and is_ideograph(text[end]):
            found.add(end)
    return found


def break_allowed(text: str, i: int) -> bool:
    """May a line end between text[i-1] and text[i]? CLREQ's basic level of prohibitions.

    Closing marks and pause/stop marks never start a line, opening marks never end one (a
    break *before* an opening quotation mark is fine, unlike Pango's rule for “ ”), the
    two-em dash and the ellipsis are never split, and a Western word or number is kept whole
    (it may break only at a space).
    """
    if i <= 0 or i >= len(text):
        return False
    before, after = text[i - 1], text[i]
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    if before == after and before in INSEPARABLE:
        return False
    if is_western_run_char(before) and is_western_run_char(after):
        return False
    if after.isspace():
        return False  # break after the space, so it ends the line it belongs to
    return True


# In Traditional Chinese (the TC and HK faces) these sit in the middle of their em and are not
# compressed; only brackets and quotes give up half their em beside another mark (CLREQ 3.1.7).
CENTRED_IN_TRADITIONAL = frozenset("、，。．：；？！")


def keeps_full_em(text: str, i: int, traditional: bool = False) -> bool:
    """Must the mark at ``text[i]`` keep its whole em? A lone pause/stop mark always does; in
    a Traditional book every pause/stop mark does, beside a bracket or not."""
    if traditional and text[i] in CENTRED_IN_TRADITIONAL:
        return True
    return is_lone_mark(text, i)


def is_lone_mark(text: str, i: int) -> bool:
    """A pause/stop mark with no other adjustable mark beside it: it keeps a full em."""
    if text[i] not in LONE_MARKS:
        return False
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    return before not in ADJUSTABLE and after not in ADJUSTABLE


# --- The book's own words in Traditional characters ------------------------------------------

# Labels zhpress itself prints (contents, panel, colophon, landmarks, the EPUB's summary): a
# Traditional book must not print 目录 over its contents. Whole phrases, not characters: 制作
# is 製作 but 制度 stays 制度, and 信息 reads 資訊 in Taiwan and Hong Kong.
TRADITIONAL_LABELS = {
    "目录": "目錄",
    "主持人": "主持人",
    "本期嘉宾": "本期嘉賓",
    "嘉宾": "嘉賓",
    "书名": "書名",
    "栏目": "欄目",
    "引题": "引題",
    "标题": "標題",
    "作者": "作者",
    "主持": "主持",
    "出版": "出版",
    "出版者": "出版者",
    "出版日期": "出版日期",
    "版次": "版次",
    "版权": "版權",
    "日期": "日期",
    "开本": "開本",
    "字体": "字體",
    "正文": "正文",
    "导语、署名": "導語、署名",
    "封面": "封面",
    "导览": "導覽",
    "版权信息": "版權資訊",
    "版权页": "版權頁",
    "32开": "32開",
    "16开": "16開",
    "标识符": "識別碼",
    "制作": "製作",
    "封面：": "封面：",
    "。书中仅嵌入用到的字形，字体的版权与许可声明保留在字体文件中。": (
        "。書中僅嵌入用到的字形，字體的版權與授權聲明保留在字體檔案中。"
    ),
    (
        "本书为可重排的文字电子书，正文、标题与署名均为可选取、可朗读的文字，"
        "章节标题层级分明，附有目录与导览；封面图片附有文字说明。"
        "字体大小、行距与颜色可由阅读软件调整，无闪烁、声音或动态内容。"
    ): (
        "本書為可重排的文字電子書，正文、標題與署名均為可選取、可朗讀的文字，"
        "章節標題層級分明，附有目錄與導覽；封面圖片附有文字說明。"
        "字體大小、行距與顏色可由閱讀軟體調整，無閃爍、聲音或動態內容。"
    ),
}


def in_script(label: str, traditional: bool) -> str:
    """One of zhpress's own labels in the book's script (Simplified as written here)."""
    return TRADITIONAL_LABELS.get(label, label) if traditional else label
