"""Cut each resolved face to the characters the book uses: the exact files the PDFs embed
and the composer measures.

A subset is a CID-keyed CFF whose CIDs equal its glyph ids (``_identity_cids``): Ghostscript
and MuPDF draw a glyph by its CID, and a charset that does not match the codes prints blank
pages on a RIP. Subsets are cached under ``.cache/subsets`` by content.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import FontError
from .faces import Face

SUBSET_VERSION = 5
"""Bump when the subsetting code changes what it writes, so old cache entries are not reused."""

SUBSET_FEATURES: tuple[str, ...] = ("kern", "halt", "chws")
"""OpenType features kept in a subset. Horizontal text only: ``halt`` and ``chws`` are what
``text-spacing-trim`` uses to compress adjacent punctuation. ``locl`` is deliberately absent:
in a Noto CJK face its lookups map to the Japanese, Korean and Traditional Chinese glyph forms,
and the subsetter keeps every glyph a kept feature can reach."""

SUBSET_NAME_IDS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 13, 14)
"""Names kept: copyright, family/style/full/PostScript names, version, licence text and URL (the
SIL OFL asks for the copyright and licence to travel with the font)."""

SUBSET_DROP_TABLES: tuple[str, ...] = ("BASE", "VORG", "vhea", "vmtx", "DSIG", "gasp")
"""Vertical metrics and baselines are for vertical writing, which our editions do not use."""

# Characters that are layout, not glyphs: they never need an outline.
_NO_GLYPH = frozenset("\n\r\t\u200b\u200c\u200d\ufeff")


def _identity(face: Face) -> dict[str, Any]:
    """What identifies the source face cheaply: its file (path, size, mtime) and face index."""
    stat = face.path.stat()
    return {
        "path": str(face.path.resolve()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "index": face.index,
    }


def missing_characters(face: Face, text: str) -> list[str]:
    """Characters of ``text`` the face has no glyph for (layout characters excepted)."""
    chars = "".join(sorted({ch for ch in text if ch not in _NO_GLYPH}))
    return sorted(_facts(face, chars)[0])


def _facts(face: Face, chars: str) -> tuple[frozenset[str], frozenset[str]]:
    """(characters without a glyph, characters whose glyph is narrower than 0.9 em).

    Decoding the cmap of a 65,000-glyph CJK face takes a few tenths of a second, most of a
    warm build, so the answer is cached on disk by the face's identity and the characters.
    """
    import json

    from .. import cache

    key = cache.key_of({"what": "facts", "face": _identity(face), "chars": chars})
    cached = cache.load("fonts", key)
    if cached is not None:
        data = json.loads(cached)
        return frozenset(data["missing"]), frozenset(data["narrow"])
    missing, narrow = _read_facts(face.path, face.index, chars)
    blob = json.dumps({"missing": sorted(missing), "narrow": sorted(narrow)}, ensure_ascii=False)
    cache.store("fonts", key, blob.encode("utf-8"))
    return missing, narrow


@lru_cache(maxsize=64)
def _read_facts(path: Path, index: int, chars: str) -> tuple[frozenset[str], frozenset[str]]:
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), fontNumber=index, lazy=True)
    try:
        cmap = font.getBestCmap()
        hmtx = font["hmtx"]
        full = font["head"].unitsPerEm * 0.9
        missing = frozenset(ch for ch in chars if ord(ch) not in cmap)
        narrow = frozenset(ch for ch in chars if ord(ch) in cmap and hmtx[cmap[ord(ch)]][0] < full)
        return missing, narrow
    finally:
        font.close()


def _glyf_to_cff(font: Any, ps_name: str) -> None:
    """Replace TrueType (quadratic) outlines by CFF (cubic) ones in place.

    EPUB's "OTF" here means PostScript outlines: one outline format for every face in the book,
    and CFF compresses better. Quadratic curves convert to cubic ones without loss; Qu2CuPen
    merges runs of them within 1/1000 em (what it cannot merge, T2CharStringPen converts
    exactly), and contours are reversed to PostScript direction.
    Hinting is not carried over (subsets are hinting-free anyway).
    """
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.qu2cuPen import Qu2CuPen
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    glyph_set = font.getGlyphSet()
    hmtx = font["hmtx"]
    widths = [hmtx[name][0] for name in font.getGlyphOrder()]
    default_width = max(set(widths), key=lambda w: (widths.count(w), w))
    max_err = font["head"].unitsPerEm / 1000
    charstrings = {}
    for name in font.getGlyphOrder():
        width = hmtx[name][0]
        pen = T2CharStringPen(None if width == default_width else width, glyph_set)
        glyph_set[name].draw(Qu2CuPen(pen, max_err, reverse_direction=True))
        charstrings[name] = pen.getCharString()
    for tag in ("glyf", "loca", "fpgm", "prep", "cvt ", "gasp", "hdmx", "LTSH", "VDMX"):
        if tag in font:
            del font[tag]
    names = font["name"]
    family = names.getDebugName(1) or ps_name
    builder = FontBuilder(font=font)
    builder.isTTF = False
    builder.setupCFF(
        ps_name,
        {"FullName": names.getDebugName(4) or ps_name, "FamilyName": family, "Weight": ""},
        charstrings,
        {"defaultWidthX": default_width, "nominalWidthX": 0},
    )
    builder.setupMaxp()
    post = font["post"]
    post.formatType = 3.0
    post.extraNames = []
    post.mapping = {}


def subset_face(
    face: Face,
    text: str,
    flavor: str | None = None,
    *,
    cff: bool = False,
    features: tuple[str, ...] = SUBSET_FEATURES,
    wide: tuple[str, str] = ("", ""),
) -> bytes:
    """The face cut down to exactly the glyphs ``text`` needs, as font file bytes.

    ``wide`` names the characters (right, left) that also get a form 1/4 em wider on that
    side (``widegap``: the print editions' gap between Chinese and Western text).

    ``flavor`` is None (plain sfnt), "woff" or "woff2"; ``cff=True`` converts TrueType
    outlines to CFF (a CFF face stays CFF either way). Hinting and unneeded tables are dropped.
    The result is deterministic (no timestamps) and cached under ``.cache/fonts/`` by the source
    file's identity, the face index, the characters and the options. Raises FontError naming
    the characters the face lacks, rather than shipping tofu.
    """
    chars = "".join(sorted({ch for ch in text if ch not in _NO_GLYPH}))
    missing = missing_characters(face, chars)
    if missing:
        shown = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing[:20])
        raise FontError(
            f"font face '{face.family} {face.style}' ({face.role}) has no glyph for "
            f"{len(missing)} character(s): {shown}",
            path=face.path,
            hint="choose another face in book.yaml's fonts: or correct the text",
        )
    import uharfbuzz
    from fontTools import version as fonttools_version

    from .. import cache

    key = cache.key_of(
        {
            "what": "subset",
            "version": SUBSET_VERSION,
            "fonttools": fonttools_version,
            "harfbuzz": uharfbuzz.__version__,
            "face": _identity(face),
            "chars": chars,
            "flavor": flavor,
            "cff": cff,
            "features": list(features),
            "wide": list(wide),
        }
    )
    cached = cache.load("fonts", key)
    if cached is not None:
        return cached
    data = _make_subset(face, chars, flavor, cff=cff, features=features)
    if any(wide):
        from . import widegap

        data = widegap.add_wide_glyphs(data, *wide)
    cache.store("fonts", key, data)
    return data


def _make_subset(
    face: Face, chars: str, flavor: str | None, *, cff: bool, features: tuple[str, ...]
) -> bytes:
    """Cut with HarfBuzz's subsetter (uharfbuzz, already the composer's shaper): about 5 ms
    for a face of a 26 MB Noto CJK collection where fontTools' subsetter took a second, which
    an editor waited for every time an edit brought a new character. fontTools then only
    touches the small result, for the EPUB's outline conversion and WOFF2."""
    import uharfbuzz as hb

    source = hb.Face(hb.Blob.from_file_path(str(face.path)), face.index)
    plan = hb.SubsetInput()
    for ch in chars:
        plan.unicode_set.add(ord(ch))
    plan.flags = (
        hb.SubsetFlags.DESUBROUTINIZE  # measured: plain charstrings deflate ~12% smaller
        | hb.SubsetFlags.NO_HINTING
        | hb.SubsetFlags.NOTDEF_OUTLINE
    )
    kept = plan.sets(hb.SubsetInputSets.LAYOUT_FEATURE_TAG)
    kept.clear()
    kept.update(_tag(t) for t in features)
    dropped = plan.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    dropped.update(_tag(t) for t in SUBSET_DROP_TABLES)
    # HarfBuzz drops the legacy ``kern`` table by default; fontTools kept it, and a TrueType
    # face may kern with nothing else.
    dropped.discard(_tag("kern"))
    names = plan.sets(hb.SubsetInputSets.NAME_ID)
    names.clear()
    names.update(SUBSET_NAME_IDS)
    languages = plan.sets(hb.SubsetInputSets.NAME_LANG_ID)
    languages.clear()
    languages.add(0x0409)  # English (Windows) names only; others are duplicates
    try:
        result = hb.subset(source, plan)
    except RuntimeError as exc:  # uharfbuzz: "Subsetting failed"
        raise FontError(
            f"could not cut a subset of font face '{face.family} {face.style}' ({exc})",
            path=face.path,
            hint="check the font file, or choose another face in book.yaml's fonts:",
        ) from None
    data = _identity_cids(bytes(result.blob.data))
    if flavor is None and not cff:
        return data
    import io

    from fontTools.ttLib import TTFont

    # recalcTimestamp=False: otherwise saving stamps head.modified with the clock.
    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    if cff and "glyf" in font:
        ps_name = font["name"].getDebugName(6) or face.css_family
        _glyf_to_cff(font, ps_name)
    font.flavor = flavor
    out = io.BytesIO()
    font.save(out)
    font.close()
    return out.getvalue()


def _identity_cids(data: bytes) -> bytes:
    """A CID-keyed CFF subset renumbered so that CID *i* is glyph *i*.

    HarfBuzz keeps each glyph's original CID in the subset's charset (``cid01397`` at glyph 2),
    but a PDF's CIDFontType0 draws code *c* as the glyph whose CID is *c* (ISO 32000 §9.7.4.2),
    and WeasyPrint writes glyph positions as codes. Poppler and PDFium fall back on positions,
    Ghostscript and MuPDF follow the charset and draw the wrong glyphs or none: blank pages at
    the RIP. Only the charset changes: outlines, metrics and layout tables refer to glyph
    positions, which stay. A font that is not CID-keyed CFF comes back untouched.
    """
    import io

    from fontTools.ttLib import TTFont

    if data[:4] != b"OTTO":
        return data
    font = TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False)
    top = font["CFF "].cff.topDictIndex[0]
    if not hasattr(top, "ROS"):
        return data
    old = list(top.charset)
    new = [".notdef"] + [f"cid{i:05d}" for i in range(1, len(old))]
    if old == new:
        return data
    by_name = top.CharStrings.charStrings  # name -> charstring (or its index)
    top.CharStrings.charStrings = {n: by_name[o] for o, n in zip(old, new, strict=True)}
    top.charset = new
    font.setGlyphOrder(new)
    out = io.BytesIO()
    font.save(out)
    font.close()
    return out.getvalue()


def _tag(name: str) -> int:
    return int.from_bytes(name.ljust(4).encode("ascii"), "big")


def narrow_marks(face: Face, chars: str) -> frozenset[str]:
    """Punctuation that is full-width in Chinese text but has a narrow glyph in this face.

    Some kai faces (LXGW WenKai among them) draw the curly quotes “”‘’ as proportional Latin
    marks, which look cramped in Chinese text (CLREQ: quotes occupy a full em). Han characters
    are always full-width and are not looked at.
    """
    from ..cjk import is_han, is_wide

    marks = "".join(sorted({ch for ch in chars if is_wide(ch) and not is_han(ch)}))
    if not marks:
        return frozenset()
    return _facts(face, marks)[1]


CENTRED_MARKS = "、，。：；！？"
"""The pause and stop marks a Traditional face sets centred in the em (CLREQ 3.1.7)."""
CENTRE_TOLERANCE_EM = 0.1


def off_centre_marks(face: Face, chars: str) -> frozenset[str]:
    """The pause and stop marks of ``chars`` whose ink is not centred in this face's em.

    In a Traditional book every 。，、：；！？ sits in the middle of its em; a face that draws
    them in the bottom left (LXGW WenKai, any SC face) must borrow them from the book's
    Traditional serif, or a byline's comma would sit lower and further left than the body's.
    Cached on disk like the other facts of a face."""
    import json

    from .. import cache

    marks = "".join(sorted(set(chars) & set(CENTRED_MARKS)))
    if not marks:
        return frozenset()
    key = cache.key_of({"what": "mark-centres", "face": _identity(face), "chars": marks})
    cached = cache.load("fonts", key)
    if cached is not None:
        return frozenset(json.loads(cached))
    found = _read_off_centre(face.path, face.index, marks)
    cache.store("fonts", key, json.dumps(sorted(found), ensure_ascii=False).encode("utf-8"))
    return found


@lru_cache(maxsize=64)
def _read_off_centre(path: Path, index: int, marks: str) -> frozenset[str]:
    import uharfbuzz as hb

    font = hb.Font(hb.Face(hb.Blob.from_file_path(str(path)), index))
    upem = font.face.upem
    out = set()
    for ch in marks:
        glyph = font.get_nominal_glyph(ord(ch))
        extents = font.get_glyph_extents(glyph) if glyph is not None else None
        if extents is None:
            continue
        advance = font.get_glyph_h_advance(glyph)
        centre = (extents.x_bearing + extents.width / 2) / max(advance, 1)
        if abs(centre - 0.5) > CENTRE_TOLERANCE_EM * upem / max(advance, 1):
            out.add(ch)
    return frozenset(out)


def subset_file(face: Face, chars: str, wide: tuple[str, str] = ("", "")) -> Path:
    """The subset of ``face`` for ``chars`` as a file, for WeasyPrint's @font-face url().

    The PDF is made from these files and the composer measures advances in the very same
    files, so the lines it justifies are the lines WeasyPrint draws, and WeasyPrint has nothing
    to substitute. The file is named by its content, so an existing one is always right.
    """
    import hashlib
    import os
    import tempfile

    from .. import cache

    data = subset_face(face, chars, wide=wide)
    suffix = ".ttf" if face.path.suffix.lower() == ".ttf" else ".otf"
    folder = cache.cache_root() / "subsets"
    target = folder / f"{face.role}-{hashlib.sha256(data).hexdigest()[:20]}{suffix}"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".subset-", dir=folder)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, target)
    return target
