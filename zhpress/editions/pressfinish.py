"""Finish the press PDF as a print shop wants it, after WeasyPrint has written it.

WeasyPrint 70 cannot place crop marks where a shop wants them: it draws them from the
MediaBox edge over half the CSS bleed (so, with a 3 mm bleed, inside the bleed, where the
trimmer's knife and the bleeding ink are), and it writes the BleedBox at most 10 pt from the
TrimBox, so a larger CSS bleed to make room for a slug would move the BleedBox too. So the
press page is laid out with the 3 mm bleed only and no CSS marks, and this step, over the
written file:

- grows the MediaBox by a slug around the BleedBox (TrimBox and BleedBox are kept as
  WeasyPrint wrote them), clips the page's own drawing to the BleedBox so nothing but the
  marks reaches the slug, and draws a standard set of eight trim marks in the slug, starting
  ``MARK_OFFSET_MM`` outside the trim (never inside the bleed);
- names the PDF/X version in the Info dictionary too (``GTS_PDFXVersion``), as PDF/X
  readers that look only there expect;
- names the output intent by its registered printing condition (``FOGRA39``, ``CGATS TR
  006`` … in the ICC's registry) when the press profile is a well-known profile of one
  (``press: icc:`` in book.yaml, for a profile the shop supplies); WeasyPrint names it only
  by the profile's description. The default profile (Ghostscript's generic CMYK, no
  registered condition: see the README) keeps its description;
- drops colour spaces that no content uses (WeasyPrint lists two Lab spaces and an ICC
  space on every page; the text is painted in DeviceCMYK) and, by rewriting the file with
  qpdf, every object nothing refers to (the Link annotations taken off the pages, the
  dropped colour spaces).

The marks are 100% K, not registration (``/Separation /All``): the book prints in black
alone, and marks on every separation would give a RIP or a preflight four used inks and
three plates that carry nothing but marks. On the K plate, the only one there is, the two
are the same ink.

The step is deterministic (no clock, no random ID: the trailer's ID is derived from the
content) and cheap: streams are copied as they are, not decoded.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path

MM = 72 / 25.4
SLUG_MM = 6.0
"""The slug: how far the MediaBox reaches beyond the BleedBox on every side."""
MARK_OFFSET_MM = 3.0
"""Where a mark starts, measured from the trim: the bleed's width, so no mark enters it."""
MARK_LENGTH_MM = 5.0
MARK_WIDTH_PT = 0.25
"""A hairline, as page-layout programs draw trim marks."""
PDFX_VERSION = "PDF/X-4"
ICC_REGISTRY = "http://www.color.org"
REGISTERED_CONDITIONS = {
    # A profile's description (as WeasyPrint writes it into the intent) -> the registered
    # characterisation it is built on (ICC's registry of characterisation data).
    "Coated FOGRA39 (ISO 12647-2:2004)": "FOGRA39",
    "ISO Coated v2 (ECI)": "FOGRA39",
    "ISO Coated v2 300% (ECI)": "FOGRA39",
    "PSO Coated v3": "FOGRA51",
    "PSO Uncoated v3 (FOGRA52)": "FOGRA52",
    "Coated GRACoL 2006 (ISO 12647-2:2004)": "CGATS TR 006",
    "U.S. Web Coated (SWOP) v2": "CGATS TR 001",
    "Japan Color 2001 Coated": "JC200103",
}
_DEVICE_SPACES = {"/DeviceGray", "/DeviceRGB", "/DeviceCMYK", "/Pattern"}
_COLOUR_SPACE_OPERATORS = "cs CS INLINE IMAGE"


def finish(path: Path) -> None:
    """Rewrite the press PDF at ``path`` in place: slug, marks, Info key, no unused objects."""
    import pikepdf

    with pikepdf.open(io.BytesIO(path.read_bytes())) as pdf:
        for page in pdf.pages:
            _add_slug_and_marks(pdf, page)
        pdf.docinfo[pikepdf.Name.GTS_PDFXVersion] = PDFX_VERSION
        for intent in pdf.Root.get("/OutputIntents", []):
            _name_registered_condition(intent)
        _drop_unused_colour_spaces(pdf)
        # qpdf writes only what the trailer reaches: the orphans go. Streams are copied
        # without decoding, and the ID is a hash of the content (same input, same bytes).
        pdf.save(
            path,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            fix_metadata_version=False,
            deterministic_id=True,
        )


def _name_registered_condition(intent) -> None:
    """PDF/X: an intent for a registered condition gives its registry name as
    OutputConditionIdentifier and the registry's address; the profile's own description
    moves to OutputCondition (and stays in Info)."""
    import pikepdf

    description = str(intent.get("/OutputConditionIdentifier", "")).strip()
    registered = REGISTERED_CONDITIONS.get(description)
    if registered is None:
        return
    intent.OutputConditionIdentifier = pikepdf.String(registered)
    intent.RegistryName = pikepdf.String(ICC_REGISTRY)
    intent.OutputCondition = pikepdf.String(description)
    intent.Info = pikepdf.String(description)


def mark_segments(
    trim: tuple[float, float, float, float],
) -> list[tuple[float, float, float, float]]:
    """The eight trim marks of a page as (x0, y0, x1, y1) in PDF user space: at each corner,
    one horizontal and one vertical line on the trim lines, from ``MARK_OFFSET_MM`` to
    ``MARK_OFFSET_MM + MARK_LENGTH_MM`` outside the trim."""
    left, bottom, right, top = trim
    near, far = MARK_OFFSET_MM * MM, (MARK_OFFSET_MM + MARK_LENGTH_MM) * MM
    segments = []
    for x, sx in ((left, -1), (right, 1)):
        for y, sy in ((bottom, -1), (top, 1)):
            segments.append((x + sx * near, y, x + sx * far, y))  # horizontal, on the trim line
            segments.append((x, y + sy * near, x, y + sy * far))  # vertical, on the trim line
    return segments


def _box(page, name: str) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in page.obj[name])
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _add_slug_and_marks(pdf, page) -> None:
    """Grow the MediaBox by the slug, clip the page's drawing to its BleedBox, draw the marks."""
    import pikepdf

    bleed = _box(page, "/BleedBox")
    trim = _box(page, "/TrimBox")
    slug = SLUG_MM * MM
    media = (bleed[0] - slug, bleed[1] - slug, bleed[2] + slug, bleed[3] + slug)
    page.obj.MediaBox = pikepdf.Array([round(v, 4) for v in media])
    # WeasyPrint writes CropBox and ArtBox equal to its MediaBox: the CropBox would hide the
    # slug (and defaults to the MediaBox anyway), and PDF/X wants a TrimBox, not an ArtBox.
    for name in ("/CropBox", "/ArtBox"):
        if name in page.obj:
            del page.obj[name]
    x, y, w, h = bleed[0], bleed[1], bleed[2] - bleed[0], bleed[3] - bleed[1]
    clip = f"q {' '.join(_number(v) for v in (x, y, w, h))} re W n\n".encode()
    strokes = "".join(
        f"{_number(x0)} {_number(y0)} m {_number(x1)} {_number(y1)} l\n"
        for x0, y0, x1, y1 in mark_segments(trim)
    )
    # The page's own content may leave its graphics state changed (WeasyPrint's flips the
    # y axis without a q): the Q restores the default space before the marks are drawn.
    marks = f"Q\nq 0 0 0 1 K {_number(MARK_WIDTH_PT)} w 0 J [] 0 d\n{strokes}S Q\n".encode()
    page.contents_add(pikepdf.Stream(pdf, clip), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, marks), prepend=False)


def _content_streams(pdf) -> Iterator[tuple[object, object]]:
    """Every content stream of the file with the resources it draws with: the pages', and
    every form XObject's, tiling pattern's and Type 3 glyph's, wherever it is used."""
    import pikepdf

    for page in pdf.pages:
        yield page.obj, page.obj.get("/Resources")
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            if obj.get("/Subtype") == "/Form" or obj.get("/PatternType") == 1:
                yield obj, obj.get("/Resources")
        elif isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/Type3":
            for glyph in (obj.get("/CharProcs") or {}).values():
                yield glyph, obj.get("/Resources")


def _names_used(pdf) -> set[str]:
    """The colour space names any content stream sets (``cs``/``CS``, inline images),
    whatever resources it resolves them through."""
    import pikepdf

    used: set[str] = set()
    for stream, _ in _content_streams(pdf):
        instructions = pikepdf.parse_content_stream(stream, _COLOUR_SPACE_OPERATORS)
        for instruction in instructions:
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                space = instruction.iimage.obj.get("/ColorSpace") or instruction.iimage.obj.get(
                    "/CS"
                )
                used.update(_names(space))
            elif str(instruction.operator) in ("cs", "CS"):
                used.update(_names(instruction.operands))
    return used


def _names(values: object) -> Iterable[str]:
    import pikepdf

    if isinstance(values, pikepdf.Name):
        return [str(values)]
    if isinstance(values, list | pikepdf.Array):
        return [str(v) for v in values if isinstance(v, pikepdf.Name)]
    return []


def _drop_unused_colour_spaces(pdf) -> None:
    """Take out of every resource dictionary the colour spaces no content names. A name used
    anywhere is kept everywhere: simple, and never wrong. ``Default…`` spaces apply without
    being named, so they always stay."""
    import pikepdf

    used = _names_used(pdf) - _DEVICE_SPACES
    resources = [r for _, r in _content_streams(pdf) if isinstance(r, pikepdf.Dictionary)]
    seen: set[tuple[int, int]] = set()
    for resource in resources:
        key = resource.objgen
        if key != (0, 0) and key in seen:
            continue
        seen.add(key)
        spaces = resource.get("/ColorSpace")
        if not isinstance(spaces, pikepdf.Dictionary):
            continue
        for name in list(spaces.keys()):
            if name not in used and not name.startswith("/Default"):
                del spaces[name]
        if not spaces.keys():
            del resource["/ColorSpace"]
