"""Measure a print edition as a reader and a printer would: what the PDF really holds.

The numbers the tests assert and the ``check`` command reports come from here, read back
from the PDF with pdfplumber and pypdf, never from the composer's own idea of its lines:

- non-final lines of a paragraph short of (or past) the measure by more than 0.15 em;
- lone pause/stop marks squeezed below 0.75 em (in a Traditional book every pause/stop mark:
  they sit centred and are never compressed);
- lines that start or end with a prohibited character, or split ——, …… or a Western word
  (one wider than the measure, a URL, may break: it fits no line);
- Chinese–Western boundaries inside a line whose gap is not 1/4 em;
- characters of the manuscript missing or wrong in the text layer (a copy, as pdfplumber
  makes it, must give the manuscript back);
- the fonts: embedded, subset, CID-keyed (no Type 3).

A paragraph's lines are found by locating the manuscript text in the PDF's text layer; the
measure comes from the page geometry, so a line that is off is caught wherever it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import pairwise
from pathlib import Path

from .. import cjk

TOLERANCE_EM = 0.15
LONE_MARK_MIN_EM = 0.75
QUARTER_TOLERANCE_EM = 0.03
COPY_SPACE_GAP = 3.0  # pdfplumber's x_tolerance: a wider gap becomes a space in a copy


@dataclass(frozen=True)
class Char:
    text: str
    x0: float
    x1: float
    baseline: float
    size: float
    page: int


@dataclass
class Located:
    """A manuscript block found in the text layer: its characters, one per code point."""

    name: str
    text: str
    chars: list[tuple[int, Char]]
    """(index in text, char); a space where a line breaks has no char, as in any PDF."""

    def lines(self) -> list[list[tuple[int, Char]]]:
        """(index in text, char) grouped into the lines they sit on."""
        out: list[list[tuple[int, Char]]] = []
        key = None
        for i, ch in self.chars:
            k = (ch.page, round(ch.baseline, 1))
            if k != key:
                out.append([])
                key = k
            out[-1].append((i, ch))
        return out


@dataclass
class Report:
    short_lines: list[str] = field(default_factory=list)
    overfull_lines: list[str] = field(default_factory=list)
    squeezed_marks: list[str] = field(default_factory=list)
    prohibited: list[str] = field(default_factory=list)
    quarter_em: list[str] = field(default_factory=list)
    quarter_em_checked: int = 0
    wrong_chars: int = 0
    wrong_detail: list[str] = field(default_factory=list)
    widows: list[str] = field(default_factory=list)
    """Paragraphs split across pages with a single line left on either page."""
    lone_last_chars: list[str] = field(default_factory=list)
    """Paragraphs whose last line is one character (and its marks): 孤字."""
    lines_checked: int = 0
    marks_checked: int = 0
    fonts: list[dict] = field(default_factory=list)

    @property
    def font_problems(self) -> list[str]:
        problems = []
        for font in self.fonts:
            if not font["embedded"]:
                problems.append(f"{font['name']} is not embedded")
            if not font["subset"]:
                problems.append(f"{font['name']} is not a subset")
            if not font["cid"]:
                problems.append(f"{font['name']} is {font['subtype']}, not a CID font")
        return problems


def _trim_origin(page) -> tuple[float, float]:
    box = getattr(page, "trimbox", None) or page.bbox
    return box[0], box[1]


def read_chars(path: Path, frames) -> list[Char]:
    """Characters inside the text block of each page (running heads and folios excluded),
    in the order the PDF paints them, one entry per code point, positions from the trim's top
    left. ``frames(page_index)`` gives (left, top, right, bottom) of the text block."""
    import pdfplumber

    out: list[Char] = []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            ox, oy = _trim_origin(page)
            left, top, right, bottom = frames(page.page_number - 1)
            for c in page.chars:
                x0, x1 = c["x0"] - ox, c["x1"] - ox
                ctop = c["top"] - oy
                if ctop < top - 2 or ctop > bottom or x1 < left - 2 or x0 > right + 2:
                    continue
                baseline = c["matrix"][5]
                previous = out[-1] if out else None
                if (
                    previous is not None
                    and previous.page == page.page_number - 1
                    and c["size"] <= 0.7 * previous.size
                    and 0 < abs(baseline - previous.baseline) < 0.6 * previous.size
                    and x0 >= previous.x1 - 0.5
                ):
                    baseline = previous.baseline  # a footnote call (①) is part of its line
                text = c["text"]
                step = (x1 - x0) / max(len(text), 1)
                for k, cp in enumerate(text):
                    out.append(
                        Char(
                            cp,
                            x0 + k * step,
                            x0 + (k + 1) * step,
                            baseline,
                            c["size"],
                            page.page_number - 1,
                        )
                    )
    return out


def locate(chars: list[Char], blocks: Iterable[tuple[str, str]], report: Report) -> list[Located]:
    """Find each (name, text) in order in the text layer; count what cannot be found.

    Lines are joined with no separator, so a line break inside Chinese text must add nothing;
    a space of the manuscript where a line breaks is not in the PDF (no engine draws it) and
    the line break stands for it.
    """
    stream: list[str] = []
    where: list[int | None] = []
    for k, c in enumerate(chars):
        if k and (c.page, round(c.baseline, 1)) != (
            chars[k - 1].page,
            round(chars[k - 1].baseline, 1),
        ):
            stream.append("\n")
            where.append(None)
        stream.append(c.text)
        where.append(k)
    joined = "".join(stream)
    cursor = 0
    found: list[Located] = []
    for name, text in blocks:
        pattern = "\n?".join("[ \n]" if ch == " " else re.escape(ch) for ch in text)
        match = re.compile(pattern).search(joined, cursor)
        if match is None:
            flat = joined.replace("\n", "")
            window = flat[len(joined[:cursor].replace("\n", "")) :][: 2 * len(text) + 50]
            matcher = SequenceMatcher(None, text, window, autojunk=False)
            matched = sum(b.size for b in matcher.get_matching_blocks())
            report.wrong_chars += len(text) - matched
            report.wrong_detail.append(f"{name}: {len(text) - matched} character(s) not found")
            continue
        cursor = match.end()
        located: list[tuple[int, Char]] = []
        i = 0
        for pos in range(match.start(), match.end()):
            k = where[pos]
            if k is None:
                if i < len(text) and text[i] == " " and joined[pos] == "\n":
                    i += 1  # the space the line break stands for
                continue
            located.append((i, chars[k]))
            i += 1
        found.append(Located(name, text, located))
    return found


def copy_spaces(block: Located) -> int:
    """Spaces a copy would insert inside the block: gaps wider than pdfplumber's tolerance."""
    count = 0
    for line in block.lines():
        for (_, a), (_, b) in pairwise(line):
            if b.x0 - a.x1 > COPY_SPACE_GAP:
                count += 1
    return count


def measure_paragraph(
    block: Located, frames, report: Report, indent_em: float = 2.0, traditional: bool = False
) -> None:
    """The numbers of one located paragraph. ``traditional``: every pause and stop mark keeps
    its em (they sit centred in the TC and HK faces), not only a lone one."""
    text = block.text
    lines = block.lines()
    pages = [line[0][1].page for line in lines]
    if len(set(pages)) > 1:
        counts = [pages.count(p) for p in sorted(set(pages))]
        if counts[0] < 2 or counts[-1] < 2:
            report.widows.append(f"{block.name}: lines per page {counts}")
    if len(lines) > 1:
        tail = [text[i] for i, _ in lines[-1] if text[i] not in cjk.ADJUSTABLE]
        if len(tail) == 1:
            report.lone_last_chars.append(f"{block.name}: last line '{text[lines[-1][0][0] :]}'")
    for n, line in enumerate(lines):
        final = n == len(lines) - 1
        first_i, first = line[0]
        visible = [(i, c) for i, c in line if not c.text.isspace()]
        last_i, last = visible[-1]
        em = first.size
        left, _, right, _ = frames(first.page)
        where = f"{block.name} line {n + 1} (page {first.page + 1})"
        report.lines_checked += 1
        expected_left = left + (indent_em * em if n == 0 else 0.0)
        if abs(first.x0 - expected_left) > TOLERANCE_EM * em:
            report.prohibited.append(f"{where}: starts {(first.x0 - left) / em:.2f} em in")
        if not final and right - last.x1 > TOLERANCE_EM * em:
            report.short_lines.append(f"{where}: {(right - last.x1) / em:.2f} em short")
        if last.x1 - right > TOLERANCE_EM * em:
            report.overfull_lines.append(f"{where}: {(last.x1 - right) / em:.2f} em past")
        if n > 0 and text[first_i] in cjk.NO_LINE_START:
            report.prohibited.append(f"{where}: starts with {text[first_i]}")
        if not final:
            nxt = last_i + 1
            if text[last_i] in cjk.NO_LINE_END:
                report.prohibited.append(f"{where}: ends with {text[last_i]}")
            if nxt < len(text) and text[nxt] == text[last_i] and text[nxt] in cjk.INSEPARABLE:
                report.prohibited.append(f"{where}: splits {text[last_i]}{text[nxt]}")
            if (
                nxt < len(text)
                and cjk.is_western_run_char(text[last_i])
                and cjk.is_western_run_char(text[nxt])
                and _run_width(block, nxt) <= right - left - TOLERANCE_EM * em
            ):
                report.prohibited.append(f"{where}: splits a Western word")
        positions = {i: (k, c) for k, (i, c) in enumerate(line)}
        for i, c in line:
            if cjk.keeps_full_em(text, i, traditional):
                report.marks_checked += 1
                k = positions[i][0]
                if k + 1 < len(line):
                    room = line[k + 1][1].x0 - c.x0
                    if text[line[k + 1][0]] in cjk.OPENING:
                        # An opening bracket's first half em is blank, and it gives that up
                        # beside a mark (Traditional ：「 takes 1.5 em): the room the mark
                        # keeps ends where the bracket's ink half begins.
                        room += 0.5 * em
                elif not final:
                    room = right - c.x0
                else:
                    room = c.x1 - c.x0
                if room < LONE_MARK_MIN_EM * em - 1e-6:
                    report.squeezed_marks.append(f"{where}: {text[i]} gets {room / em:.2f} em")
        quarter = cjk.quarter_em_boundaries(text)
        for boundary in quarter:
            if boundary in positions and boundary - 1 in positions:
                report.quarter_em_checked += 1
                a, b = positions[boundary - 1][1], positions[boundary][1]
                seen_a = _em_box(text, boundary - 1, a, em, positions, quarter)
                seen_b = _em_box(text, boundary, b, em, positions, quarter)
                gap = (seen_b[0] - seen_a[1]) / em
                if abs(gap - 0.25) > QUARTER_TOLERANCE_EM:
                    pair = text[boundary - 1 : boundary + 1]
                    report.quarter_em.append(f"{where}: {pair} {gap:.3f} em")


def _em_box(
    text: str, i: int, c: Char, em: float, positions: dict, quarter: set[int]
) -> tuple[float, float]:
    """Where ``text[i]`` is seen: its advance, or for an ideograph set in a wide form (the
    1/4 em beside a Western run on the same line carried in the glyph, ``widegap``) the em
    box inside that advance: every CJK face draws an ideograph in a box of 1 em."""
    extra = (c.x1 - c.x0) - em
    if not cjk.is_ideograph(text[i]) or extra < QUARTER_TOLERANCE_EM * em:
        return c.x0, c.x1
    left = i in quarter and i - 1 in positions
    right = i + 1 in quarter and i + 1 in positions
    if left and right:
        return c.x0 + extra / 2, c.x1 - extra / 2
    if left:
        return c.x0 + extra, c.x1
    if right:
        return c.x0, c.x1 - extra
    return c.x0, c.x1


def _run_width(block: Located, i: int) -> float:
    """Width of the Western run holding ``block.text[i]``, over all its lines: a run wider
    than the measure (a URL) fits no line and may be broken; any other must stay whole."""
    for start, end in cjk.western_runs(block.text):
        if start <= i < end:
            return sum(c.x1 - c.x0 for k, c in block.chars if start <= k < end)
    return 0.0


def fonts_of(path: Path) -> list[dict]:
    """Every font the pages use: name, type, embedded, subset, CID-keyed."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    seen: dict[str, dict] = {}

    def visit(resources) -> None:
        if resources is None:
            return
        resources = resources.get_object()
        fonts = resources.get("/Font")
        if fonts is not None:
            for ref in fonts.get_object().values():
                font = ref.get_object()
                name = str(font.get("/BaseFont", "?")).lstrip("/")
                subtype = str(font.get("/Subtype"))
                descriptor = font.get("/FontDescriptor")
                cid = False
                if subtype == "/Type0":
                    descendant = font["/DescendantFonts"][0].get_object()
                    descriptor = descendant.get("/FontDescriptor")
                    cid = str(descendant.get("/Subtype")) in ("/CIDFontType0", "/CIDFontType2")
                embedded = False
                if descriptor is not None:
                    descriptor = descriptor.get_object()
                    embedded = any(
                        k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
                    )
                seen[name] = {
                    "name": name,
                    "subtype": subtype.lstrip("/"),
                    "embedded": embedded,
                    "subset": bool(re.match(r"^[A-Z]{6}\+", name)),
                    "cid": cid,
                }
        xobjects = resources.get("/XObject")
        if xobjects is not None:
            for ref in xobjects.get_object().values():
                xobject = ref.get_object()
                if xobject.get("/Subtype") == "/Form":
                    visit(xobject.get("/Resources"))

    for page in reader.pages:
        visit(page.get("/Resources"))
    return sorted(seen.values(), key=lambda f: f["name"])


def colour_operators(path: Path) -> dict[str, int]:
    """How often each colour-setting operator occurs in all content streams (pages, forms,
    patterns), with its operands: what a preflight looks at for 'no RGB'."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(str(path))
    counts: dict[str, int] = {}
    done: set[int] = set()

    def scan(stream_obj, resources) -> None:
        key = id(stream_obj)
        if key in done:
            return
        done.add(key)
        content = ContentStream(stream_obj, reader)
        for operands, operator in content.operations:
            op = operator.decode("latin-1")
            if op in ("rg", "RG", "k", "K", "g", "G", "sc", "SC", "scn", "SCN", "cs", "CS"):
                values = " ".join(str(v) for v in operands)
                counts[f"{values} {op}"] = counts.get(f"{values} {op}", 0) + 1
        if resources is None:
            return
        resources = resources.get_object()
        for group in ("/XObject", "/Pattern"):
            items = resources.get(group)
            if items is None:
                continue
            for ref in items.get_object().values():
                obj = ref.get_object()
                if obj.get("/Subtype") == "/Image":
                    counts["image " + str(obj.get("/ColorSpace"))] = 1
                    continue
                if hasattr(obj, "get_data"):
                    scan(obj, obj.get("/Resources"))

    for page in reader.pages:
        contents = page.get_contents()
        if contents is not None:
            scan(contents, page.get("/Resources"))
    return counts


def page_boxes(path: Path) -> list[dict[str, list[float]]]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return [
        {
            box: [float(v) for v in page[f"/{box}"]]
            for box in ("MediaBox", "TrimBox", "BleedBox")
            if f"/{box}" in page
        }
        for page in reader.pages
    ]


def book_blocks(book) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(every text block in reading order, the justified paragraphs among them)."""
    from ..manuscript.markdown import visible_text

    head = [("kicker", book.kicker), ("title", book.title), ("series", book.series)]
    ordered: list[tuple[str, str]] = []
    paragraphs: list[tuple[str, str]] = []
    for n, block in enumerate(book.lede):
        item = (f"lede {n + 1} ({book.yaml_path.name}:{block.line})", visible_text(block.text))
        ordered.append(item)
        paragraphs.append(item)
    opened = 0
    for group, chapter in book.reading_order():
        part = book.parts[group - 1] if group > opened else None
        opened = max(opened, group)
        for n, block in enumerate(part.lede if part else ()):
            where = f"{part.yaml_path.parent.name}/part.yaml:{block.line}"
            item = (f"lede {n + 1} ({where})", visible_text(block.text))
            ordered.append(item)
            paragraphs.append(item)
        ordered.append((f"{chapter.name} title", chapter.title))
        if chapter.panelist:
            ordered.append((f"{chapter.name} panelist", chapter.panelist))
        for block in chapter.leaves():
            item = (f"{chapter.name}:{block.line}", visible_text(block.text, block.inline))
            ordered.append(item)
            # Body paragraphs are measured; a heading, caption or table cell is not justified
            # (a paragraph in a quote or a list is, on its own measure: not measured here).
            if block.kind == "p" and block in chapter.blocks:
                paragraphs.append(item)
    extra = [(name, text) for name, text in head if text]
    if book.moderator:
        extra.append(("moderator", book.moderator))
    return extra + ordered, paragraphs


def inline_image_counts(book) -> dict[str, int]:
    """How many inline images each paragraph holds, by the name ``book_blocks`` gives it."""
    from ..manuscript.markdown import inline_images

    return {
        f"{chapter.name}:{block.line}": len(inline_images(block))
        for chapter in book.chapters
        for block in chapter.leaves()
        if block.kind == "p" and inline_images(block)
    }


def measure_edition(path: Path, book, geometry, skip: int = 0) -> Report:
    """All the numbers for one print edition of ``book`` (``skip``: unnumbered pages, a
    cover, before the first recto)."""
    report = Report()

    def frame(page_index: int) -> tuple[float, float, float, float]:
        return geometry.frame(page_index - skip)

    chars = read_chars(path, frame)
    everything, paragraphs = book_blocks(book)
    images = inline_image_counts(book)
    # Head items (kicker, title, series, moderator) may sit anywhere on the opening page.
    for name, text in everything:
        if name in ("kicker", "title", "series", "moderator"):
            locate(chars, [(name, text)], report)
    body = [(n, t) for n, t in everything if n not in ("kicker", "title", "series", "moderator")]
    found = {b.name: b for b in locate(chars, body, report)}
    for name, _ in paragraphs:
        block = found.get(name)
        if block is None:
            continue
        # An inline image is a gap of one em in its line: a copy rightly gives a space there.
        spaces = max(0, copy_spaces(block) - images.get(name, 0))
        if spaces:
            report.wrong_chars += spaces
            report.wrong_detail.append(f"{name}: a copy would insert {spaces} space(s)")
        measure_paragraph(block, frame, report, traditional=book.variant != "SC")
    report.fonts = fonts_of(path)
    return report


def write_plain(book, path: Path) -> None:
    """The reference the numbers are compared with: the same text on the same page in the same
    face, set by plain WeasyPrint CSS (text-align: justify, no composer)."""
    from html import escape

    from weasyprint import HTML

    from ..manuscript.markdown import visible_text
    from ..typeset.faces import resolve_faces
    from ..typeset.geometry import geometry_of

    g = geometry_of(book)
    serif = resolve_faces(roles=("serif",), variant=book.variant)["serif"]
    head = [book.kicker, book.title, book.series, book.moderator]
    lede = "".join(f"<h2>{escape(t)}</h2>" for t in head if t)
    lede += "".join(f"<p>{escape(visible_text(b.text, b.inline))}</p>" for b in book.lede)
    body = "".join(
        f"<h2>{escape(c.title)}</h2><p>{escape(c.panelist)}</p>"
        + "".join(f"<p>{escape(visible_text(b.text, b.inline))}</p>" for b in c.leaves())
        for c in book.chapters
    )
    margins = f"{g.top}pt {g.outer}pt {g.bottom}pt {g.inner}pt"
    html = f"""<html lang="{book.language}"><style>
    @font-face {{ font-family: body; src: url({serif.path.as_uri()}); }}
    @page {{ size: {g.width}pt {g.height}pt; margin: {margins}; }}
    @page :left {{ margin-left: {g.outer}pt; margin-right: {g.inner}pt; }}
    @page :right {{ margin-left: {g.inner}pt; margin-right: {g.outer}pt; }}
    body {{ margin: 0; font: 10.5pt/17.5pt body; text-align: justify; }}
    p {{ margin: 0; text-indent: 2em; }} h2 {{ font-size: 10.5pt; margin: 0; }}
    </style><body>{lede}{body}</body></html>"""
    HTML(string=html).write_pdf(str(path))
