"""Lay out an EPUB's chapters in real browser engines and measure the lines.

WebKitGTK (Apple Books' engine, through gjs and an offscreen WebView under Xvfb) and headless
Chromium run the same measuring script, tools/engines/measure.js, on the chapter documents of
the unzipped EPUB. Each returns, per justified paragraph, every line's distance from the left
and right edges of the measure and the blank between Han characters and Western runs. The
verdicts (ragged lines, prohibited line starts, gaps) are computed here, in one place.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from zhpress.cjk import NO_LINE_START

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ROOT / "tools" / "engines"
MEASURE_JS = ENGINES / "measure.js"
WEBKIT_JS = ENGINES / "webkit.js"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)
RAGGED_EM = 0.1  # a non-final line ending further than this from the right edge is ragged
EDGE_EM = 0.1  # a line's ink may start at most this far in from the left edge
MIN_GAP_EM = 0.2  # the blank between Han and a Western run (1/4 em set, a little tolerance)


def measuring_script() -> str:
    """measure.js preceded by the CLREQ line-start prohibitions zhpress itself uses."""
    marks = json.dumps("".join(sorted(NO_LINE_START)), ensure_ascii=False)
    return f"const NO_LINE_START = {marks};\n" + MEASURE_JS.read_text("utf-8")


def webkit_missing() -> str | None:
    """Why WebKit cannot run here, or None when it can."""
    for tool in ("gjs", "xvfb-run"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install gjs gir1.2-webkit2-4.0 xvfb)"
    typelibs = Path("/usr/lib/x86_64-linux-gnu/girepository-1.0")
    if not any(typelibs.glob("WebKit2-4.0.typelib")) and not any(
        Path("/usr/lib").rglob("WebKit2-4.0.typelib")
    ):
        return "WebKit2-4.0 introspection data missing (apt-get install gir1.2-webkit2-4.0)"
    return None


def chromium_binary() -> str | None:
    given = os.environ.get("PUPPETEER_EXECUTABLE_PATH")
    if given and Path(given).is_file():
        return given
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unpack(epub: Path, dest: Path) -> list[Path]:
    """Unzip ``epub`` into ``dest``; return the chapter documents in spine order."""
    with zipfile.ZipFile(epub) as archive:
        archive.extractall(dest)
    ns = {
        "c": "urn:oasis:names:tc:opendocument:xmlns:container",
        "opf": "http://www.idpf.org/2007/opf",
    }
    container = etree.parse(str(dest / "META-INF" / "container.xml"))
    opf_path = dest / container.find(".//c:rootfile", ns).get("full-path")
    opf = etree.parse(str(opf_path))
    hrefs = {i.get("id"): i.get("href") for i in opf.iterfind("opf:manifest/opf:item", ns)}
    docs = [
        opf_path.parent / hrefs[ref.get("idref")]
        for ref in opf.iterfind("opf:spine/opf:itemref", ns)
    ]
    return [d for d in docs if 'epub:type="chapter"' in d.read_text("utf-8")]


def measure_webkit(document: Path, width: int, screenshot: Path | None = None) -> dict:
    """The measurement of ``document`` laid out ``width`` px wide in WebKitGTK."""
    with tempfile.TemporaryDirectory(prefix="zhpress-webkit-") as tmp:
        script = Path(tmp) / "measure.js"
        script.write_text(measuring_script(), "utf-8")
        command = ["xvfb-run", "-a", "gjs", str(WEBKIT_JS), str(document), str(width), str(script)]
        if screenshot is not None:
            command.append(str(screenshot))
        env = {**os.environ, "WEBKIT_DISABLE_COMPOSITING_MODE": "1", "HOME": tmp}
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=180, check=False, env=env
        )
    if result.returncode != 0:
        raise RuntimeError(f"WebKit failed on {document.name}: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _chromium(args: list[str], profile: str) -> subprocess.CompletedProcess:
    binary = chromium_binary()
    assert binary, "chromium is not installed"
    command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def measure_chromium(document: Path, width: int, screenshot: Path | None = None) -> dict:
    """The measurement of ``document`` laid out ``width`` px wide in headless Chromium.

    Headless Chromium's window is at least 500 px wide, so the document is shown in an iframe
    ``width`` px wide: a copy of it beside the original (its relative links still resolve) runs
    the script once the fonts are in and posts the JSON to the frame page, which writes it
    into its DOM for --dump-dom.
    """
    probe = document.with_name(document.stem + ".measure.xhtml")
    frame = document.with_name(document.stem + ".frame.html")
    script = (
        "<script><![CDATA[\n" + measuring_script() + "\ndocument.fonts.ready.then(() =>"
        " parent.postMessage(JSON.stringify(zhpressMeasure()), '*'));\n]]></script>"
    )
    probe.write_text(document.read_text("utf-8").replace("</body>", script + "</body>"), "utf-8")

    def frame_page(src: str, height: int) -> str:
        return (
            '<!DOCTYPE html><html><body style="margin:0">'
            f'<iframe src="{src}" style="border:0;width:{width}px;height:{height}px"></iframe>'
            '<pre id="zhpress-measure"></pre><script>addEventListener("message", (e) => '
            '{ document.getElementById("zhpress-measure").textContent = e.data; });</script>'
            "</body></html>"
        )

    try:
        with tempfile.TemporaryDirectory(prefix="zhpress-chromium-") as profile:
            frame.write_text(frame_page(probe.name, 900), "utf-8")
            dump = ["--window-size=900,900", "--virtual-time-budget=10000", "--dump-dom"]
            result = _chromium([*dump, frame.as_uri()], profile)
            if screenshot is not None:
                frame.write_text(frame_page(document.name, 1900), "utf-8")
                shot = f"--screenshot={screenshot}"
                _chromium([f"--window-size={max(width, 500)},1900", shot, frame.as_uri()], profile)
    finally:
        probe.unlink()
        frame.unlink(missing_ok=True)
    found = re.search(r'<pre id="zhpress-measure">(.+?)</pre>', result.stdout, re.S)
    if found is None:
        raise RuntimeError(f"Chromium measured nothing in {document.name}: {result.stderr[-2000:]}")
    return json.loads(html.unescape(found.group(1)))


@dataclass
class Line:
    """A non-final line of a justified paragraph: how far its ink ends from the right edge."""

    label: str
    end: float  # em short of the measure (negative: a mark hangs outside)
    room: float  # em the next line's first unbreakable unit needs: a line that cannot
    # stretch is as full as it can be when it ends less than this short


@dataclass
class Verdict:
    """What a measurement says about the typesetting, summed over documents."""

    lines: list[Line] = field(default_factory=list)  # non-final lines of justified paragraphs
    indented: list[str] = field(default_factory=list)  # lines starting in from the left edge
    prohibited: list[str] = field(default_factory=list)  # lines starting with a closing mark
    gaps: list[float] = field(default_factory=list)  # Han/Western blanks, em
    narrow: list[str] = field(default_factory=list)  # those under MIN_GAP_EM

    def add(self, name: str, measurement: dict) -> None:
        for p in measurement["paragraphs"]:
            where = f"{name} {p['text']}"
            lines = p["lines"]
            for number, line in enumerate(lines):
                label = f"{where} line {number + 1}"
                if number > 0 and line["first"] in NO_LINE_START:
                    self.prohibited.append(f"{label} starts with {line['first']}")
                if number > 0 and line["start"] > EDGE_EM:
                    self.indented.append(f"{label} starts {line['start']:.2f} em in")
                if not line["last"]:
                    self.lines.append(Line(label, line["end"], lines[number + 1]["lead"]))
            for gap in p["gaps"]:
                self.gaps.append(gap["em"])
                if gap["em"] < MIN_GAP_EM:
                    self.narrow.append(f"{where} {gap['pair']} {gap['em']:.3f} em")

    def ragged(self) -> list[str]:
        """Lines ending more than RAGGED_EM short of the measure (not justified)."""
        return [
            f"{line.label} ends {line.end:.2f} em short"
            for line in self.lines
            if line.end > RAGGED_EM
        ]

    def unfilled(self) -> list[str]:
        """Lines that could have held the next line's first unbreakable unit: what is left
        when an engine cannot stretch a line (WebKitGTK), or wraps early (text-wrap: pretty)."""
        return [
            f"{line.label} ends {line.end:.2f} em short, room for {line.room:.2f}"
            for line in self.lines
            if line.end > line.room + RAGGED_EM
        ]

    def summary(self) -> str:
        gaps = sorted(self.gaps)
        median = gaps[len(gaps) // 2] if gaps else float("nan")
        low = gaps[0] if gaps else float("nan")
        return (
            f"{len(self.ragged())}/{len(self.lines)} lines > {RAGGED_EM} em short "
            f"({len(self.unfilled())} could hold more), "
            f"{len(self.indented)} indented, {len(self.prohibited)} prohibited starts, "
            f"{len(gaps)} gaps min {low:.3f} median {median:.3f} em, "
            f"{len(self.narrow)} under {MIN_GAP_EM}"
        )


def judge(engine: str, documents: list[Path], width: int) -> Verdict:
    """Measure every chapter document in ``engine`` ('webkit' or 'chromium') at ``width``."""
    measure = measure_webkit if engine == "webkit" else measure_chromium
    verdict = Verdict()
    for document in documents:
        verdict.add(document.name, measure(document, width))
    return verdict


if __name__ == "__main__":  # python tests/engine_layout.py BOOK.epub [PNG-FOLDER]
    import sys

    with tempfile.TemporaryDirectory() as folder:
        docs = unpack(Path(sys.argv[1]), Path(folder))
        shots = Path(sys.argv[2]) if len(sys.argv) > 2 else None
        for engine_name in ("webkit", "chromium"):
            for w in (390, 820):
                print(engine_name, w, judge(engine_name, docs, w).summary())
                if shots is not None:
                    shots.mkdir(parents=True, exist_ok=True)
                    fn = measure_webkit if engine_name == "webkit" else measure_chromium
                    fn(docs[0], w, shots / f"{engine_name}-{w}.png")
