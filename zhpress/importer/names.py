"""Chapter file names from panelists' names, in toneless pinyin: 徐雨森 -> ``xu-yusen``.

pypinyin's own loader parses its whole character and phrase dictionaries (about 0.4 s), more
than the importer's entire time budget, to spell a handful of characters; so the single-character
readings are looked up directly in pypinyin's data file, and pypinyin's API is the fallback.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from ..pinyin import SURNAME_READINGS, split_name


@lru_cache(maxsize=1)
def _dictionary_text() -> str:
    # find_spec locates the package without importing it (importing loads the dictionaries).
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        return ""
    for folder in spec.submodule_search_locations:
        try:
            return (Path(folder) / "pinyin_dict.json").read_text(encoding="utf-8")
        except OSError:
            continue
    return ""


def _toneless(reading: str) -> str:
    plain = "".join(
        ch for ch in unicodedata.normalize("NFD", reading) if not unicodedata.combining(ch)
    )
    return plain.lower()


def syllable(ch: str) -> str:
    """Toneless pinyin of one character ('' for characters without a reading)."""
    if ch.isascii():
        return ch.lower() if ch.isalnum() else ""
    text = _dictionary_text()
    key = f'"{ord(ch)}": "'
    at = text.find(key)
    if at >= 0:
        start = at + len(key)
        end = min(i for i in (text.find(",", start), text.find('"', start)) if i >= 0)
        return _toneless(text[start:end])
    try:
        from pypinyin import Style, lazy_pinyin
    except ModuleNotFoundError:
        return ""
    reading = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")
    return reading[0] if reading else ""


def name_slug(name: str) -> str:
    """Surname and given name in toneless pinyin, joined by a hyphen: 张震 -> zhang-zhen."""
    name = "".join(ch for ch in name if not ch.isspace())
    surname, given = split_name(name)
    if surname in SURNAME_READINGS:
        family = SURNAME_READINGS[surname]
    else:
        family = "".join(syllable(ch) for ch in surname)
    rest = "".join(syllable(ch) for ch in given)
    slug = "-".join(part for part in (family, rest) if part)
    slug = re.sub(r"[^a-z0-9-]+", "", slug)
    return slug or "panelist"
