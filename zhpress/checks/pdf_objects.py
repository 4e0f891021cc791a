"""What a print shop would reject in the PDFs, read from their objects.

Fonts (every one embedded, an outline font with a ToUnicode map, one of the book's own
faces), glyphs (none drawn as .notdef, every one with text), and for the press edition
PDF/X-4 with a CMYK output intent, TrimBox and a 3 mm BleedBox, and no RGB anywhere.
"""

from __future__ import annotations

import re
from typing import Any

from .cidfonts import check_fonts, describe
from .outputs import ERROR, OK, PDFS, Finding, Outputs, _tool_problem
from .pdfscan import Objects

MM = 72 / 25.4
BLEED_MM = 3.0
FACE_PREFIX = "zhpress-"
"""Every font in a PDF is one of the book's faces, named zhpress-<role> by the print CSS."""


def _fonts(objects: Objects) -> dict[str, dict[str, Any]]:
    """Font dictionaries by object reference."""
    return {
        ref: value
        for ref, value in objects.values()
        if isinstance(value, dict)
        and value.get("/Type") == "/Font"
        and value.get("/Subtype") != "/CIDFontType0"
        and value.get("/Subtype") != "/CIDFontType2"
    }


def _descriptor(objects: Objects, font: dict[str, Any]) -> dict[str, Any]:
    if font.get("/Subtype") == "/Type0":
        descendants = objects.get(font.get("/DescendantFonts")) or [{}]
        font = objects.get(descendants[0]) or {}
    return objects.get(font.get("/FontDescriptor")) or {}


def check_pdf_fonts(out: Outputs) -> list[Finding]:
    """Every font embedded, an outline font, with a ToUnicode map, and one of the book's faces:
    a system font in the file means a character fell back to it (a glyph the face lacks)."""
    findings = []
    for edition in PDFS:
        if not out.has(edition):
            continue
        try:
            objects = out.objects(edition)
        except Exception as exc:
            findings.append(_tool_problem(edition, "fonts", exc))
            continue
        problems = []
        fonts = _fonts(objects)
        for font in fonts.values():
            name = str(font.get("/BaseFont", "?")).lstrip("/")
            descriptor = _descriptor(objects, font)
            if font.get("/Subtype") == "/Type3":
                problems.append(f"{name} is a Type 3 font")
            elif not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"{name} is not embedded")
            if "/ToUnicode" not in font:
                problems.append(f"{name} has no ToUnicode map (copy and search lose its text)")
            if not name.split("+", 1)[-1].startswith(FACE_PREFIX):
                problems.append(
                    f"{name} is not one of the book's faces: a character fell back to a system "
                    "font (a glyph missing from the face)"
                )
        if not fonts:
            problems.append("the PDF has no fonts")
        findings += [Finding(edition, "fonts", ERROR, p) for p in problems] or [
            Finding(edition, "fonts", OK, f"{len(fonts)} faces, all embedded, all the book's")
        ]
    return findings


def check_pdf_glyphs(out: Outputs) -> list[Finding]:
    """No glyph drawn as .notdef (the box a face shows for a character it lacks), and every
    glyph drawn has text in the font's ToUnicode map (or copy and search lose it)."""
    findings = []
    for edition in PDFS:
        if not out.has(edition):
            continue
        try:
            drawn = out.drawn(edition)
        except Exception as exc:
            findings.append(_tool_problem(edition, "glyphs", exc))
            continue
        problems = [
            f"{len(pages)} glyph(s) drawn as .notdef (missing from the face) in {name}, "
            f"page(s) {sorted({p + 1 for p in pages})[:10]}"
            for name, pages in drawn.notdef.items()
        ]
        problems += [
            f"{len(pages)} glyph(s) without text (ToUnicode) in {name}, "
            f"page(s) {sorted({p + 1 for p in pages})[:10]}"
            for name, pages in drawn.unmapped.items()
        ]
        findings += [Finding(edition, "glyphs", ERROR, p) for p in problems] or [
            Finding(
                edition, "glyphs", OK, f"{drawn.glyphs} glyphs drawn, none missing, all with text"
            )
        ]
    return findings


_RGB_OPERATOR = re.compile(rb"(?:^|[\s\]])(?:[-+]?[\d.]+\s+){3}(?:rg|RG)(?=[\s\[/]|$)", re.M)
_RGB_NAME = re.compile(rb"/(?:DeviceRGB|CalRGB|RGB)(?![A-Za-z0-9])")
_NOT_CONTENT = ("/Length1", "/Length2", "/Length3", "/N", "/FunctionType")
_NOT_CONTENT_TYPES = ("/Metadata", "/ObjStm", "/XRef", "/EmbeddedFile", "/XML")
_NOT_CONTENT_SUBTYPES = ("/Image", "/Type1C", "/CIDFontType0C", "/OpenType", "/XML")


def check_cid_fonts(out: Outputs) -> list[Finding]:
    """Every CFF face draws, for each code, the glyph whose CID is that code (cidfonts): what
    Ghostscript, MuPDF and a print shop's RIP follow, where poppler and PDFium forgive."""
    findings = []
    for edition in PDFS:
        if not out.has(edition):
            continue
        try:
            reports = check_fonts(out.objects(edition), out.drawn(edition).codes)
        except Exception as exc:
            findings.append(_tool_problem(edition, "cid-fonts", exc))
            continue
        findings += [Finding(edition, "cid-fonts", ERROR, describe(r)) for r in reports if r.wrong]
        if not any(r.wrong for r in reports):
            findings.append(
                Finding(
                    edition,
                    "cid-fonts",
                    OK,
                    f"{len(reports)} CFF face(s), every code drawn is its glyph's CID",
                )
            )
    return findings


def _rgb_findings(objects: Objects, used: dict[str, set[str]]) -> list[str]:
    """RGB anywhere: colour operators in any content stream (pages, forms, annotation
    appearances, patterns), RGB colour spaces in any dictionary (images, shadings, groups,
    resources), ICC profiles with three components, inline images in RGB."""
    problems = []
    for ref, stream in objects.streams():
        if stream.get("/N") == 3:
            problems.append(f"object {ref} is an RGB ICC profile")
        if any(k in stream for k in _NOT_CONTENT):
            continue
        if stream.get("/Type") in _NOT_CONTENT_TYPES:
            continue
        if stream.get("/Subtype") in _NOT_CONTENT_SUBTYPES:
            continue
        data = objects.data(ref)
        if _RGB_OPERATOR.search(data):
            problems.append(f"RGB colour operator in content stream {ref}")
        elif _RGB_NAME.search(data):
            problems.append(f"RGB colour space in content stream {ref}")
    for ref, names in used.items():
        if names & {"/DeviceRGB", "/CalRGB"}:
            problems.append(f"RGB colour space in object {ref}")
        if "/ShadingType" in names:
            problems += _shading_problems(objects, ref)
    return problems


_COMPONENTS = {"/DeviceGray": 1, "/DeviceRGB": 3, "/DeviceCMYK": 4, "/CalRGB": 3, "/Lab": 3}


def _components(objects: Objects, space: Any) -> int | None:
    space = objects.get(space)
    if isinstance(space, str):
        return _COMPONENTS.get(space)
    if isinstance(space, list) and space:
        if space[0] == "/ICCBased" and len(space) > 1:
            return (objects.get(space[1]) or {}).get("/N")
        return _COMPONENTS.get(space[0])
    return None


def _outputs(objects: Objects, function: Any) -> set[int]:
    """How many colour components a shading function gives (C0/C1, Range, or its parts)."""
    function = objects.get(function)
    if isinstance(function, list):
        return set().union(*(_outputs(objects, f) for f in function))
    if not isinstance(function, dict):
        return set()
    kind = function.get("/FunctionType")
    if kind == 2:
        return {
            len(objects.get(function.get("/C0")) or [0]),
            len(objects.get(function.get("/C1")) or [1]),
        }
    if kind == 3:
        return _outputs(objects, function.get("/Functions"))
    ranges = objects.get(function.get("/Range")) or []
    return {len(ranges) // 2} if ranges else set()


def _shading_problems(objects: Objects, ref: str) -> list[str]:
    """A shading's function must give as many components as its colour space has: WeasyPrint
    70 writes a CSS gradient's RGB stops into a DeviceCMYK shading on a PDF/X press file."""
    found = []
    stack = [objects.raw.get(ref)]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "/ShadingType" in item:
                wanted = _components(objects, item.get("/ColorSpace"))
                given = _outputs(objects, item.get("/Function"))
                if 3 in given or (wanted is not None and given - {wanted}):
                    found.append(
                        f"shading {ref} gives {sorted(given)} colour components in a "
                        f"{wanted}-component colour space (RGB values in the print CSS?)"
                    )
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


SLUG_MIN_MM = 3.0


def _slug_problem(media: Any, bleed: list[float]) -> str | None:
    """The trim marks sit in a slug outside the bleed (``editions.pressfinish``): the MediaBox
    must reach at least SLUG_MIN_MM beyond the BleedBox on every side, or there is no room for
    them and a RIP would print them into the bleed."""
    if not isinstance(media, list) or len(media) != 4:
        return "no MediaBox of its own"
    x0, y0, x1, y1 = (float(v) for v in media)
    room = (bleed[0] - x0, bleed[1] - y0, x1 - bleed[2], y1 - bleed[3])
    if min(room) < SLUG_MIN_MM * MM - 0.1:
        shown = ", ".join(f"{d / MM:.1f}" for d in room)
        return f"the slug beyond the bleed is under {SLUG_MIN_MM:g} mm ({shown} mm)"
    return None


def check_press_pdf(out: Outputs) -> list[Finding]:
    """PDF/X-4 output intent (CMYK), TrimBox and a 3 mm BleedBox on every page, no RGB."""
    if not out.has("press"):
        return []
    try:
        objects = out.objects("press")
    except Exception as exc:
        return [_tool_problem("press", "pdf/x", exc)]
    findings = []
    root = objects.get(objects.trailer.get("/Root")) or {}
    intents = [objects.get(i) or {} for i in objects.get(root.get("/OutputIntents")) or []]
    pdfx = [i for i in intents if i.get("/S") == "/GTS_PDFX"]
    if not pdfx:
        findings.append(Finding("press", "pdf/x", ERROR, "no GTS_PDFX output intent"))
    elif (objects.get(pdfx[0].get("/DestOutputProfile")) or {}).get("/N") != 4:
        findings.append(Finding("press", "pdf/x", ERROR, "the output intent's profile is not CMYK"))
    info = objects.get(objects.trailer.get("/Info")) or {}
    metadata = root.get("/Metadata")
    xmp = objects.data(metadata) if metadata else b""
    if "PDF/X-4" not in str(info.get("/GTS_PDFXVersion", "")) and b"PDF/X-4" not in xmp:
        findings.append(Finding("press", "pdf/x", ERROR, "not marked as PDF/X-4"))
    if not findings:
        findings.append(Finding("press", "pdf/x", OK, "PDF/X-4, CMYK output intent"))
    bleed = BLEED_MM * MM
    boxes = []
    for number, ref in enumerate(objects.pages, 1):
        page = objects.page(ref)
        trim, box = page.get("/TrimBox"), page.get("/BleedBox")
        if trim is None or box is None:
            boxes.append(f"page {number} lacks TrimBox or BleedBox")
            break
        deltas = (trim[0] - box[0], trim[1] - box[1], box[2] - trim[2], box[3] - trim[3])
        if any(abs(d - bleed) > 0.1 for d in deltas):
            shown = ", ".join(f"{d / MM:.1f}" for d in deltas)
            boxes.append(f"page {number}: bleed is not 3 mm ({shown} mm)")
            break
        slug = _slug_problem(objects.get(page.get("/MediaBox")), box)
        if slug:
            boxes.append(f"page {number}: {slug}")
            break
    findings += [Finding("press", "boxes", ERROR, p) for p in boxes] or [
        Finding(
            "press",
            "boxes",
            OK,
            f"{len(objects.pages)} pages with TrimBox, 3 mm bleed and a slug for the marks",
        )
    ]
    rgb = _rgb_findings(objects, out.names("press"))
    if rgb:
        shown = "; ".join(rgb[:5]) + (f"; and {len(rgb) - 5} more" if len(rgb) > 5 else "")
        findings.append(Finding("press", "colour", ERROR, shown))
    else:
        findings.append(Finding("press", "colour", OK, "no RGB operator or colour space"))
    return findings
