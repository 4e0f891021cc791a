"""How wide each character of a subset is, as Pango will set it: HarfBuzz shaping, for the
composer's line breaking and punctuation compression."""

from __future__ import annotations

from pathlib import Path


class Shaper:
    """Advances and ink extents of one font file, shaped as Pango shapes them (HarfBuzz).

    State is real here: the HarfBuzz font and the caches live as long as one build.
    """

    def __init__(self, path: Path, language: str = "zh-Hans") -> None:
        import uharfbuzz as hb

        self.path = path
        self.language = language
        self._data = path.read_bytes()
        self._font = hb.Font(hb.Face(self._data))
        self.upem = self._font.face.upem
        self._cache: dict[tuple[str, str], list[tuple[str, float]]] = {}
        self._ink: dict[str, tuple[float, float, float]] = {}

    def shape(self, text: str, script: str) -> list[tuple[str, float]]:
        """Clusters of ``text`` and their advances in em, shaped with ``script`` (ISO 15924)."""
        key = (text, script)
        found = self._cache.get(key)
        if found is not None:
            return found
        import uharfbuzz as hb

        buf = hb.Buffer()
        buf.add_str(text)
        buf.direction = "ltr"
        buf.script = script
        buf.language = self.language
        hb.shape(self._font, buf, {})
        starts = sorted({info.cluster for info in buf.glyph_infos})
        advance = dict.fromkeys(starts, 0)
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
            advance[info.cluster] += pos.x_advance
        bounds = [*starts, len(text)]
        result = [
            (text[bounds[i] : bounds[i + 1]], advance[starts[i]] / self.upem)
            for i in range(len(starts))
        ]
        self._cache[key] = result
        return result

    def ink(self, ch: str) -> tuple[float, float, float]:
        """(advance, ink left, ink right) of a character in em, for punctuation compression."""
        found = self._ink.get(ch)
        if found is not None:
            return found
        glyph = self._font.get_nominal_glyph(ord(ch))
        if glyph is None:
            result = (0.0, 0.0, 0.0)
        else:
            extents = self._font.get_glyph_extents(glyph)
            advance = self._font.get_glyph_h_advance(glyph) / self.upem
            left = extents.x_bearing / self.upem if extents else 0.0
            right = (extents.x_bearing + extents.width) / self.upem if extents else 0.0
            result = (advance, left, right)
        self._ink[ch] = result
        return result

    def has(self, ch: str) -> bool:
        return self._font.get_nominal_glyph(ord(ch)) is not None
