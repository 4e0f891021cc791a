"""pypinyin's answers, remembered on disk.

Loading pypinyin's dictionaries takes a quarter to three quarters of a second, more than a
whole EPUB or a no-op build may take, and the questions a build asks (the words of the title,
the readings of the panelists' names) rarely change. So each answer is cached under
``.cache/pinyin/`` by the question and pypinyin's installed files; pypinyin is imported only
when an answer is not there yet.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from . import cache


@lru_cache(maxsize=1)
def _identity() -> list[Any]:
    """pypinyin's package file and its modification time: a new version is a new answer."""
    from importlib.util import find_spec

    spec = find_spec("pypinyin")
    origin = spec.origin if spec and spec.origin else ""
    try:
        from os import stat

        stamp = stat(origin).st_mtime_ns if origin else 0
    except OSError:
        stamp = 0
    return [origin, stamp]


def _remembered(question: str, text: str, answer) -> list[str]:
    key = cache.key_of({"what": question, "text": text, "pypinyin": _identity()})
    found = cache.load("pinyin", key)
    if found is not None:
        return json.loads(found)
    result = list(answer())
    cache.store("pinyin", key, json.dumps(result, ensure_ascii=False).encode("utf-8"))
    return result


def words(text: str) -> list[str]:
    """``text`` cut into the words pypinyin's segmenter (mmseg) knows."""

    def answer():
        from pypinyin.seg.mmseg import seg

        return seg.cut(text)

    return _remembered("words", text, answer)


def syllables(text: str) -> list[str]:
    """Toneless pinyin of ``text``, one item per character (``lazy_pinyin``)."""

    def answer():
        from pypinyin import Style, lazy_pinyin

        return lazy_pinyin(text, style=Style.NORMAL)

    return _remembered("syllables", text, answer)


# --- Names -----------------------------------------------------------------------------------
# A name is read surname first, and a surname has its own reading: 曾 is zeng (not ceng), 单
# shan (not dan), 仇 qiu (not chou). pypinyin gives a character's most common reading, so the
# surnames whose reading differs are listed here, for every stage that spells or sorts a name
# (the importer's file names, the EPUB's file-as, the panelist index).
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "盖": "ge",
    "覃": "qin",
    "乐": "yue",
    "缪": "miao",
    "秘": "bi",
    "尉": "yu",
    "冼": "xian",
    "重": "chong",
    "翟": "zhai",
    "召": "shao",
    "华": "hua",
    "任": "ren",
    "沈": "shen",
    "薄": "bo",
    "种": "chong",
    "万俟": "moqi",
    "尉迟": "yuchi",
    "单于": "chanyu",
}
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木 "
    "独孤 南宫 西门 百里 呼延 万俟 澹台 公冶 宗政 濮阳 太叔 申屠 钟离 闻人 赫连 "
    "单于 第五 东郭 公羊 谷梁 左丘 拓跋 夹谷".split()
)


def split_name(name: str) -> tuple[str, str]:
    """A Chinese name's surname and given name (a compound surname is two characters)."""
    split = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:split], name[split:]


def name_readings(name: str) -> tuple[str, str]:
    """Toneless pinyin of a name's surname (its surname reading) and of its given name."""
    surname, given = split_name(name)
    sur = SURNAME_READINGS.get(surname) or "".join(syllables(surname))
    return sur, "".join(syllables(given))


def name_sort_key(name: str) -> tuple[str, str, str, str]:
    """How a Chinese index orders names: by the surname's reading, then the given name's,
    then (for two names read alike) by the characters themselves."""
    sur, given = name_readings(name)
    return sur, given, split_name(name)[0], name
