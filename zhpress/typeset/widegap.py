"""The 1/4 em between Chinese and Western text as part of a glyph, so that a copy has no space.

CLREQ sets 1/4 em between an ideograph and a Western word or number (``突破 3 万亿`` on the
page). Drawn as a gap between glyphs, every text extractor (poppler in evince and pdftotext,
PDFium in Chrome, MuPDF) turns it into a space, and a search for 3万亿 finds nothing. So the
print editions carry the gap inside the ideograph next to the Western run: our own font subsets
get a wider copy of that ideograph, selected with an OpenType single substitution under a
private stylistic set that the HTML turns on for that one character:

- ``ss19``: 250/1000 em more advance on the right, same outline (the ideograph before a run);
- ``ss20``: 250/1000 em more advance on the left, outline moved right (the ideograph after it);
- both: the ideograph between two runs (``A和B``), 1/2 em more, outline moved by 1/4 em.

The extractors see one glyph whose advance ends where the next begins, so there is no gap to
read as a space, and WeasyPrint writes the wide glyph's ToUnicode from the text of its cluster,
the original character. The extra goes on the ideograph, not the Western glyph, because the
Western run is already an inline box of its own (its margins carry the gap today), so wrapping
the ideograph in a span breaks no shaping context: the letters of ``IP`` keep their kerning.
The composer still measures the narrow glyphs and the gap; only the HTML moves the gap into
the glyph, so every glyph stays where it was.
"""

from __future__ import annotations

import copy
import io
import itertools
import unicodedata
from collections.abc import Iterable

from .. import cjk

RIGHT = "ss19"
LEFT = "ss20"
EXTRA_EM = 0.25
"""The gap a wide glyph carries on its side, in em: CLREQ's 1/4 em."""


def sides(text: str, quarter: set[int] | None = None) -> tuple[set[int], set[int]]:
    """Positions of the ideographs of ``text`` that carry 1/4 em on their right (before a
    Western run) and on their left (after one); ``quarter``: its 1/4 em boundaries, when
    known already."""
    right: set[int] = set()
    left: set[int] = set()
    for boundary in cjk.quarter_em_boundaries(text) if quarter is None else quarter:
        if cjk.is_ideograph(text[boundary - 1]):
            right.add(boundary - 1)
        else:
            left.add(boundary)
    return right, left


def wide_chars(pieces: Iterable[list[tuple[str, str]]]) -> dict[str, tuple[str, str]]:
    """For each face role, the characters whose right-wide and left-wide forms the pieces
    (lists of ``(text, role)`` runs) may use: what ``add_wide_glyphs`` must add to its subset."""
    found: dict[str, tuple[set[str], set[str]]] = {}
    for runs in pieces:
        text = "".join(t for t, _ in runs)
        right, left = sides(text)
        if not right and not left:
            continue
        role_at: list[str] = []
        for run_text, role in runs:
            role_at.extend([role] * len(run_text))
        for positions, k in ((right, 0), (left, 1)):
            for i in positions:
                found.setdefault(role_at[i], (set(), set()))[k].add(text[i])
    return {role: ("".join(sorted(r)), "".join(sorted(left))) for role, (r, left) in found.items()}


def css(right: bool, left: bool) -> str:
    """The style that picks a wide form (empty for neither)."""
    tags = [t for t, on in ((RIGHT, right), (LEFT, left)) if on]
    return "font-feature-settings:" + ",".join(f"'{t}'" for t in tags) if tags else ""


def add_wide_glyphs(data: bytes, right: str, left: str) -> bytes:
    """The font ``data`` (a subset, CFF or TrueType) with the wide forms of the characters in
    ``right`` and ``left`` appended after its glyphs and a GSUB that selects them.

    New glyphs go at the end, so every existing glyph keeps its position (and in a CID-keyed
    CFF, CID *i* stays glyph *i*: the new ones are named for their positions). The result is
    cached with the subset: bump ``fonts.SUBSET_VERSION`` when this changes what it writes."""
    if not right and not left:
        return data
    from fontTools.ttLib import TTFont

    # recalcBBoxes=False: recomputing every outline's bounds took a second for a 700-glyph
    # CFF subset; only the new glyphs can grow the font's extents (``_grow_extents``).
    font = TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False)
    cmap = font.getBestCmap()
    extra = round(font["head"].unitsPerEm * EXTRA_EM)
    adder = _CffAdder(font) if "CFF " in font else _GlyfAdder(font)
    to_right: dict[str, str] = {}
    to_left: dict[str, str] = {}
    for ch in sorted(set(right) | set(left)):
        base = cmap.get(ord(ch))
        if base is None:
            continue
        if ch in right:
            to_right[base] = adder.add(base, 0, extra)
        if ch in left:
            to_left[base] = adder.add(base, extra, extra)
        if ch in right and ch in left:
            both = adder.add(base, extra, 2 * extra)
            to_right[to_left[base]] = both
            to_left[to_right[base]] = both
    adder.finish()
    _grow_extents(font, adder.added)
    _add_features(font, [(RIGHT, to_right), (LEFT, to_left)])
    out = io.BytesIO()
    font.save(out)
    font.close()
    return out.getvalue()


class _GlyfAdder:
    """Appends shifted, widened copies of TrueType glyphs."""

    def __init__(self, font) -> None:
        self.font = font
        self.order = list(font.getGlyphOrder())
        self.glyf = font["glyf"]
        self.hmtx = font["hmtx"]
        self.added: list[tuple[Bounds, int]] = []

    def add(self, base: str, shift: int, extra: int) -> str:
        name = f"glyph{len(self.order):05d}"
        glyph = copy.deepcopy(self.glyf[base])
        if shift:
            if glyph.isComposite():
                for component in glyph.components:
                    component.x += shift
            elif glyph.numberOfContours > 0:
                glyph.coordinates.translate((shift, 0))
        self.order.append(name)
        self.glyf.glyphOrder = self.order
        self.glyf[name] = glyph
        if glyph.numberOfContours:
            glyph.recalcBounds(self.glyf)
        advance, lsb = self.hmtx[base]
        self.hmtx[name] = (advance + extra, lsb + shift)
        self.added.append((_bounds(self.font.getGlyphSet(), base, shift), advance + extra))
        return name

    def finish(self) -> None:
        self.font.setGlyphOrder(self.order)
        if "post" in self.font and self.font["post"].formatType == 2.0:
            self.font["post"].extraNames = []
            self.font["post"].mapping = {}


class _CffAdder:
    """Appends shifted, widened copies of CFF glyphs, named ``cidNNNNN`` after their positions
    in a CID-keyed face (CID *i* is glyph *i*) and ``glyphNNNNN`` in a name-keyed one."""

    def __init__(self, font) -> None:
        self.font = font
        self.order = list(font.getGlyphOrder())
        self.top = font["CFF "].cff.topDictIndex[0]
        self.cid = hasattr(self.top, "ROS")
        self.glyphs = font.getGlyphSet()
        self.hmtx = font["hmtx"]
        self.charstrings = self.top.CharStrings
        self.added: list[tuple[Bounds, int]] = []

    def add(self, base: str, shift: int, extra: int) -> str:
        from fontTools.pens.t2CharStringPen import T2CharStringPen
        from fontTools.pens.transformPen import TransformPen

        index = len(self.order)
        name = f"cid{index:05d}" if self.cid else f"glyph{index:05d}"
        advance, lsb = self.hmtx[base]
        fd = self.top.FDSelect[self.order.index(base)] if self.cid else None
        private = self.top.FDArray[fd].Private if self.cid else self.top.Private
        width = advance + extra
        default = getattr(private, "defaultWidthX", 0)
        nominal = getattr(private, "nominalWidthX", 0)
        pen = T2CharStringPen(None if width == default else width - nominal, self.glyphs)
        self.glyphs[base].draw(TransformPen(pen, (1, 0, 0, 1, shift, 0)))
        charstring = pen.getCharString(private=private, globalSubrs=self.top.GlobalSubrs)
        self._append(name, charstring, fd)
        self.order.append(name)
        self.hmtx[name] = (width, lsb + shift)
        self.added.append((_bounds(self.glyphs, base, shift), width))
        return name

    def _append(self, name: str, charstring, fd: int | None) -> None:
        cs = self.charstrings
        if cs.charStringsAreIndexed:
            cs.charStringsIndex.append(charstring)
            cs.charStrings[name] = len(cs.charStringsIndex) - 1
        else:
            cs.charStrings[name] = charstring
        if fd is not None:
            self.top.FDSelect.append(fd)

    def finish(self) -> None:
        self.top.charset = list(self.order)
        self.font.setGlyphOrder(self.order)


Bounds = tuple[float, float, float, float] | None


def _bounds(glyphs, name: str, shift: int) -> Bounds:
    """The outline bounds of glyph ``name`` moved right by ``shift`` (None: no outline)."""
    from fontTools.pens.boundsPen import BoundsPen

    pen = BoundsPen(glyphs)
    glyphs[name].draw(pen)
    if pen.bounds is None:
        return None
    x0, y0, x1, y1 = pen.bounds
    return x0 + shift, y0, x1 + shift, y1


def _grow_extents(font, added: list[tuple[Bounds, int]]) -> None:
    """The font's bounding box and horizontal extents, grown to hold the new glyphs (their
    outlines only move right, their advances only grow)."""
    from fontTools.misc.roundTools import otRound

    head, hhea = font["head"], font["hhea"]
    for bounds, advance in added:
        hhea.advanceWidthMax = max(hhea.advanceWidthMax, advance)
        if bounds is None:
            continue
        x0, y0, x1, y1 = (otRound(v) for v in bounds)
        head.xMin, head.yMin = min(head.xMin, x0), min(head.yMin, y0)
        head.xMax, head.yMax = max(head.xMax, x1), max(head.yMax, y1)
        hhea.xMaxExtent = max(hhea.xMaxExtent, x1)
    if "CFF " in font:
        top = font["CFF "].cff.topDictIndex[0]
        top.FontBBox = [head.xMin, head.yMin, head.xMax, head.yMax]


def _add_features(font, features: list[tuple[str, dict[str, str]]]) -> None:
    """One single-substitution lookup per feature, in this order (so both features together
    reach the form wide on both sides), registered in every script and language system."""
    from fontTools.otlLib.builder import buildLookup, buildSingleSubstSubtable
    from fontTools.ttLib import newTable
    from fontTools.ttLib.tables import otTables as ot

    if "GSUB" not in font:
        font["GSUB"] = newTable("GSUB")
        table = font["GSUB"].table = ot.GSUB()
        table.Version = 0x00010000
    table = font["GSUB"].table
    if table.LookupList is None:
        table.LookupList = ot.LookupList()
        table.LookupList.Lookup = []
    if table.FeatureList is None:
        table.FeatureList = ot.FeatureList()
        table.FeatureList.FeatureRecord = []
    if table.ScriptList is None:
        table.ScriptList = ot.ScriptList()
        table.ScriptList.ScriptRecord = []
    added = []
    for tag, mapping in features:
        if not mapping:
            continue
        lookups = table.LookupList.Lookup
        lookups.append(buildLookup([buildSingleSubstSubtable(mapping)]))
        record = ot.FeatureRecord()
        record.FeatureTag = tag
        record.Feature = ot.Feature()
        record.Feature.LookupListIndex = [len(lookups) - 1]
        record.Feature.LookupCount = 1
        table.FeatureList.FeatureRecord.append(record)
        added.append(len(table.FeatureList.FeatureRecord) - 1)
    table.LookupList.LookupCount = len(table.LookupList.Lookup)
    table.FeatureList.FeatureCount = len(table.FeatureList.FeatureRecord)
    scripts = table.ScriptList.ScriptRecord
    if not any(s.ScriptTag == "DFLT" for s in scripts):
        record = ot.ScriptRecord()
        record.ScriptTag = "DFLT"
        record.Script = ot.Script()
        record.Script.LangSysRecord = []
        record.Script.LangSysCount = 0
        record.Script.DefaultLangSys = None
        scripts.insert(0, record)
    for script in scripts:
        systems = [r.LangSys for r in script.Script.LangSysRecord]
        if script.Script.DefaultLangSys is None:
            script.Script.DefaultLangSys = _lang_sys()
        for system in [script.Script.DefaultLangSys, *systems]:
            system.FeatureIndex = list(system.FeatureIndex) + added
            system.FeatureCount = len(system.FeatureIndex)
    table.ScriptList.ScriptCount = len(scripts)


def _lang_sys():
    from fontTools.ttLib.tables import otTables as ot

    system = ot.LangSys()
    system.LookupOrder = None
    system.ReqFeatureIndex = 0xFFFF
    system.FeatureIndex = []
    system.FeatureCount = 0
    return system


def mark(glyphs: list, text: str, quarter: float, boundaries: set[int] | None = None) -> list:
    """``glyphs`` (``compose.Glyph``) with ``pad_right``/``pad_left`` set to ``quarter`` on
    the ideographs whose wide form may carry the 1/4 em of a boundary of ``text`` (its
    ``boundaries``, when known already)."""
    from dataclasses import replace

    right, left = sides(text, boundaries)
    if not right and not left:
        return glyphs
    out = []
    for g in glyphs:
        pad_r = quarter if g.index + len(g.text) - 1 in right else 0.0
        pad_l = quarter if g.index in left else 0.0
        out.append(replace(g, pad_right=pad_r, pad_left=pad_l) if pad_r or pad_l else g)
    return out


# --- What a reader's copy gives ------------------------------------------------------------

COPY_SPACE_EM = 0.1
"""A gap between two glyphs wider than this (in em of the text) is read as a space: poppler's
word break (TextOutputDev's minimum word space) and about where MuPDF and PDFium break too."""


def boundary_tokens(text: str) -> list[str]:
    """Every Western word or number of ``text`` that gets 1/4 em, with the ideographs it sits
    between (``破3万``, ``至2023年``, ``业IP``): what a search must find verbatim."""
    quarter = cjk.quarter_em_boundaries(text)
    tokens = []
    for start, end in cjk.western_runs(text):
        if start in quarter or end in quarter:
            a = start - 1 if start in quarter else start
            b = end + 1 if end in quarter else end
            tokens.append(text[a:b])
    return tokens


def copy_pages(runs: Iterable) -> list[list[str]]:
    """The text of ``runs`` (``pdfscan.Run``, in drawing order) as a copy reads it, page by
    page, run by run: a space before a run that leaves more than ``COPY_SPACE_EM`` after the
    run before it on the same line; lines joined with nothing (a line end is no space in
    Chinese)."""
    pages: list[list[str]] = []
    last = None
    for run in runs:
        if last is None or last.page != run.page:
            pages.append([])
        same_line = (
            last is not None and last.page == run.page and abs(last.baseline - run.baseline) < 0.5
        )
        gap = same_line and run.x0 - last.x1 > COPY_SPACE_EM * max(run.size, last.size)
        pages[-1].append(" " + run.text if gap else run.text)
        last = run
    return pages


# A running head or folio may be drawn between the last line of one page and the first of the
# next, in either order: this many runs at a page's edge may stand between a split word's halves.
_PAGE_FURNITURE_RUNS = 3


def _occurrences(token: str, text: str) -> int:
    """Occurrences of ``token`` in ``text``, overlapping ones too: neighbouring mixed words
    share the ideograph between them (``年3月``, ``月5日``), as the manuscript's count does."""
    found, at = 0, text.find(token)
    while at >= 0:
        found += 1
        at = text.find(token, at + 1)
    return found


def _split_by_pages(token: str, pages: list[list[str]]) -> int:
    """How many times ``token`` is cut in two by a page break: no viewer finds those, and the
    1/4 em is not to blame."""
    n = len(token) - 1
    found = 0
    for before, after in itertools.pairwise(pages):
        tails = {"".join(before[: len(before) - k])[-n:] for k in range(_PAGE_FURNITURE_RUNS)}
        heads = {"".join(after[j:])[:n] for j in range(_PAGE_FURNITURE_RUNS)}
        if any(token in tail + head for tail in tails for head in heads):
            found += 1
    return found


def mixed_words(segments: Iterable[tuple[str, str]]) -> dict[str, tuple[int, str]]:
    """Every boundary token of the manuscript's ``(where, visible text)`` segments: how many
    times it occurs, and where first."""
    found: dict[str, tuple[int, str]] = {}
    for where, text in segments:
        for token in boundary_tokens(text):
            count, first = found.get(token, (0, where))
            found[token] = (count + 1, first)
    return found


def unsearchable(words: dict[str, tuple[int, str]], pages: list[list[str]]) -> list[str]:
    """The ``mixed_words`` that a search of the copied ``pages`` (``copy_pages``) finds fewer
    times than the manuscript has them: where a copy reads a space that is not there. A word
    that a page break cuts in two counts as found. Both sides are compared decomposed (NFD):
    a copy may read an 'é' typed whole as e + U+0301 (the glyph's ToUnicode is the first text
    it was drawn for), the same text to a reader and to a search that normalizes."""
    pages = [[unicodedata.normalize("NFD", run) for run in page] for page in pages]
    texts = [unicodedata.normalize("NFD", "".join(page)) for page in pages]
    problems = []
    for token, (count, where) in words.items():
        wanted = unicodedata.normalize("NFD", token)
        seen = sum(_occurrences(wanted, text) for text in texts)
        if seen < count:
            seen += _split_by_pages(wanted, pages)
        if seen < count:
            problems.append(
                f"{where}: '{token}' found {seen} of {count} time(s), a copy reads a space in it"
            )
    return problems
