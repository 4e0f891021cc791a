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
