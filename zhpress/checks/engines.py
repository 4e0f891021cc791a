"""Do four PDF engines draw the same pages? Ink per page, compared with poppler's.

Poppler (evince, pdftoppm) and PDFium (Chrome) forgive fonts that Ghostscript (inside many
print RIPs) and MuPDF (SumatraPDF, e-readers) read by the letter of the specification: a CFF
subset whose CIDs are not its glyph positions drew 4% of the text in the last two and looked
perfect in the first two. Counting the ink each engine puts on each page (the darkness summed
over a low-resolution greyscale rendering) finds a page drawn differently, whatever the cause,
in about a second per edition.

The engines are optional tools: ``python build.py check`` and the tests use the ones that are
installed (``pdftoppm``, ``gs``, ``mutool`` on the PATH; the ``pypdfium2`` package) and say
which are missing. The build itself never needs them.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REFERENCE = "poppler"
ENGINES = ("poppler", "ghostscript", "mupdf", "pdfium")
TOLERANCE = 0.15
"""A page's ink may differ from poppler's by this fraction (anti-aliasing differs a little;
a missing face, line or image is far more)."""
DPI = 72
"""Enough pixels to weigh the ink of a page of text, few enough to render a book in a second.
At 40-50 dpi a hairline rule or a folio weighs so much that the engines' anti-aliasing alone
moved a nearly empty page by 15-25%; at 72 the seed book's pages agree within 6% once each
engine's ink is counted in its own black (``in_own_black``)."""
FLOOR = 0.01
"""On a page with less ink than this fraction of its area (a text page has about 5%; the
colophon, a title page or a last half-empty page less than 1%), a difference is weighed
against this floor, not against the page's own ink: there a hairline's anti-aliasing alone
is 20%, while a missing face takes most of the ink of every text page."""
TIMEOUT = 120

_PROGRAMS = {"poppler": "pdftoppm", "ghostscript": "gs", "mupdf": "mutool"}


def available() -> dict[str, bool]:
    """Which engines this machine has."""
    found = {name: shutil.which(program) is not None for name, program in _PROGRAMS.items()}
    found["pdfium"] = importlib.util.find_spec("pypdfium2") is not None
    return found


def _command(engine: str, pdf: Path, folder: Path, dpi: int) -> list[str]:
    """The command that writes one greyscale image per page into ``folder``, in page order."""
    if engine == "poppler":
        return ["pdftoppm", "-gray", "-r", str(dpi), str(pdf), str(folder / "page")]
    if engine == "ghostscript":
        return [
            "gs",
            "-q",
            "-dNOPAUSE",
            "-dBATCH",
            "-dSAFER",
            "-dUseCropBox",
            "-sDEVICE=pnggray",
            "-dTextAlphaBits=4",
            "-dGraphicsAlphaBits=4",
            f"-r{dpi}",
            f"-sOutputFile={folder / 'page-%04d.png'}",
            str(pdf),
        ]
    if engine == "mupdf":
        return [
            "mutool",
            "draw",
            "-q",
            "-r",
            str(dpi),
            "-c",
            "gray",
            "-o",
            str(folder / "page-%04d.png"),
            str(pdf),
        ]
    raise ValueError(f"no command for {engine}")


def _ink_of(image) -> tuple[float, float]:
    """The darkness of a greyscale image, summed over its pixels as a fraction of its area
    (0 blank, 1 solid black), and the darkness of its darkest pixel."""
    histogram = image.convert("L").histogram()
    dark = sum(count * (255 - level) for level, count in enumerate(histogram))
    darkest = next((level for level, count in enumerate(histogram) if count), 255)
    return dark / 255 / (image.width * image.height), (255 - darkest) / 255


def in_own_black(pages: list[tuple[float, float]]) -> list[float]:
    """Each page's ink in units of the engine's own black: the darkest pixel it draws in the
    whole document. Engines turn the press edition's DeviceCMYK black (0 0 0 1 k) into
    different greys: poppler and MuPDF into black, Ghostscript (through its default CMYK
    profile) and PDFium into 32 of 255, which alone put 12% less ink on every page. What is
    compared is what is drawn, not how an engine manages colour. An engine that draws nothing
    dark anywhere keeps its raw ink (a blank rendering must not be scaled up to pass)."""
    black = max((darkest for _, darkest in pages), default=0.0)
    if black < MIN_BLACK:
        black = 1.0
    return [ink / black for ink, _ in pages]


MIN_BLACK = 0.5
"""The darkest pixel of a rendering must reach this darkness to serve as the engine's black."""


def _inks_of_folder(folder: Path) -> list[tuple[float, float]]:
    from PIL import Image

    inks = []
    for path in sorted(folder.iterdir()):
        with Image.open(path) as image:
            inks.append(_ink_of(image))
    return inks


def _pdfium_inks(pdf: Path, dpi: int) -> list[tuple[float, float]]:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        inks = []
        for page in document:
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            inks.append(_ink_of(bitmap.to_pil()))
            page.close()
        return inks
    finally:
        document.close()


class EngineError(RuntimeError):
    """An engine could not render the PDF at all."""


def render_inks(pdf: Path, engines: tuple[str, ...], dpi: int = DPI) -> dict[str, list[float]]:
    """Each engine's ink per page of ``pdf``, in its own black (``in_own_black``). The
    command-line engines run at once, in their own processes, while PDFium renders in this
    one."""
    with tempfile.TemporaryDirectory(prefix="zhpress-engines-") as tmp:
        running: dict[str, tuple[subprocess.Popen, Path]] = {}
        for engine in engines:
            if engine == "pdfium":
                continue
            folder = Path(tmp) / engine
            folder.mkdir()
            process = subprocess.Popen(
                _command(engine, pdf, folder, dpi),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            running[engine] = (process, folder)
        inks: dict[str, list[tuple[float, float]]] = {}
        try:
            if "pdfium" in engines:
                inks["pdfium"] = _pdfium_inks(pdf, dpi)
            for engine, (process, folder) in running.items():
                _, errors = process.communicate(timeout=TIMEOUT)
                if process.returncode != 0:
                    message = errors.decode(errors="replace").strip().splitlines()[-1:]
                    raise EngineError(f"{engine} failed on {pdf.name}: {message}")
                inks[engine] = _inks_of_folder(folder)
        finally:
            for process, _ in running.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()
        return {engine: in_own_black(inks[engine]) for engine in engines}


@dataclass
class Comparison:
    """The ink of each page in each engine, and the pages that differ from poppler's."""

    pdf: Path
    inks: dict[str, list[float]]
    problems: list[str] = field(default_factory=list)

    def ratios(self, engine: str) -> list[float | None]:
        """engine / poppler per page (None where poppler draws nothing)."""
        return [
            other / ref if ref > 0 else None
            for ref, other in zip(self.inks[REFERENCE], self.inks[engine], strict=False)
        ]

    def spread(self, engine: str) -> tuple[float, float]:
        """The lowest and highest ratio to poppler over the pages with more ink than FLOOR."""
        found = [
            r
            for r, ref in zip(self.ratios(engine), self.inks[REFERENCE], strict=False)
            if r is not None and ref >= FLOOR
        ]
        return (min(found), max(found)) if found else (1.0, 1.0)


def compare(
    pdf: Path,
    engines: tuple[str, ...] = ENGINES,
    dpi: int = DPI,
    tolerance: float = TOLERANCE,
    render: Callable[..., dict[str, list[float]]] = render_inks,
) -> Comparison:
    """Render ``pdf`` with poppler and ``engines`` and name every page whose ink differs from
    poppler's by more than ``tolerance`` (or whose page count differs)."""
    wanted = (REFERENCE, *(e for e in engines if e != REFERENCE))
    inks = render(pdf, wanted, dpi)
    result = Comparison(pdf, inks)
    reference = inks[REFERENCE]
    for engine in wanted[1:]:
        drawn = inks[engine]
        if len(drawn) != len(reference):
            result.problems.append(f"{engine} draws {len(drawn)} pages, poppler {len(reference)}")
            continue
        bad = [
            (number, other / ref if ref > 0 else None)
            for number, (ref, other) in enumerate(zip(reference, drawn, strict=True), 1)
            if abs(other - ref) > tolerance * max(ref, FLOOR)
        ]
        if bad:
            shown = ", ".join(
                f"page {n}: "
                + (f"{r:.0%} of poppler's ink" if r is not None else "ink where poppler draws none")
                for n, r in bad[:5]
            )
            more = f" and {len(bad) - 5} more pages" if len(bad) > 5 else ""
            result.problems.append(f"{engine} draws other ink than poppler: {shown}{more}")
    return result


def summary(comparison: Comparison) -> str:
    """One line: each engine's range of ink ratios to poppler."""
    parts = []
    for engine in comparison.inks:
        if engine == REFERENCE:
            continue
        low, high = comparison.spread(engine)
        parts.append(f"{engine} {low:.2f}-{high:.2f}")
    pages = len(comparison.inks[REFERENCE])
    return f"{pages} pages, ink vs poppler: " + ", ".join(parts)
