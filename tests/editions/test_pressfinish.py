"""The press PDF as a print shop preflights it: a slug around the bleed with the trim marks in
it and none in the bleed, PDF/X-4 named in Info too, no orphan object, no unused colour space.

Each test reads the seed book's press PDF; ``ZHPRESS_PRESS_PDF=file.pdf`` points them at
another file (a press PDF written before ``zhpress.editions.pressfinish`` fails every one of them).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from zhpress.typeset.geometry import MM

BLEED = 3 * MM
SLUG_MIN = 3 * MM


@pytest.fixture(scope="module")
def press(seed_dist) -> Path:
    given = os.environ.get("ZHPRESS_PRESS_PDF")
    return Path(given) if given else seed_dist["press"]


def _box(page, name: str) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in page.obj[name])
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def test_the_media_box_holds_a_slug_beyond_the_3mm_bleed(press):
    import pikepdf

    with pikepdf.open(press) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            media, bleed, trim = (_box(page, n) for n in ("/MediaBox", "/BleedBox", "/TrimBox"))
            assert (trim[2] - trim[0], trim[3] - trim[1]) == pytest.approx(
                (148 * MM, 210 * MM), abs=0.01
            ), number
            bled = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
            assert bled == pytest.approx((BLEED,) * 4, abs=0.01), number
            slug = (
                bleed[0] - media[0],
                bleed[1] - media[1],
                media[2] - bleed[2],
                media[3] - bleed[3],
            )
            assert min(slug) >= SLUG_MIN - 0.01, (number, [round(s / MM, 2) for s in slug])
            # Nothing hides the slug, and PDF/X wants a TrimBox, not an ArtBox beside it.
            assert "/ArtBox" not in page.obj
            if "/CropBox" in page.obj:
                assert _box(page, "/CropBox") == pytest.approx(media, abs=0.01)


def _render(engine: str, pdf: Path, page: int, dpi: int, out: Path):
    """One page as a greyscale image, without anti-aliasing (so a hairline is one hard run
    of pixels and a blank band is exactly blank), by Ghostscript or MuPDF, at the MediaBox."""
    from PIL import Image

    png = out / f"{engine}-{page}.png"
    if engine == "gs":
        command = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pnggray"]
        command += [f"-r{dpi}", f"-dFirstPage={page}", f"-dLastPage={page}"]
        command += ["-dTextAlphaBits=1", "-dGraphicsAlphaBits=1", f"-sOutputFile={png}", str(pdf)]
    else:
        command = ["mutool", "draw", "-q", "-A", "0", "-c", "gray", "-r", str(dpi), "-o", str(png)]
        command += [str(pdf), str(page)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return Image.open(png).convert("L")


@pytest.mark.parametrize("engine", ["gs", "mutool"])
def test_the_marks_are_in_the_slug_and_nothing_is_drawn_in_the_bleed(press, engine, tmp_path):
    """Rendered as a RIP would (whole MediaBox): at each corner there is ink in the slug on
    the row and the column of the trim lines, and none anywhere in the band between the trim
    and the bleed edge (this book has nothing that bleeds) nor elsewhere in the slug."""
    import pikepdf
    from PIL import ImageDraw

    if shutil.which(engine) is None:
        pytest.skip(f"{engine} is not installed (tools/system-deps.sh --test installs it)")
    dpi = 150
    px = dpi / 72
    with pikepdf.open(press) as pdf:
        boxes = [[_box(p, k) for k in ("/MediaBox", "/BleedBox", "/TrimBox")] for p in pdf.pages]
    for number in (1, 3, len(boxes)):
        media, bleed, trim = boxes[number - 1]
        image = _render(engine, press, number, dpi, tmp_path)
        ink = image.point(lambda v: 255 if v <= 128 else 0)
        draw = ImageDraw.Draw(ink)

        def rect(box, grow: float = 0, media=media) -> tuple[int, int, int, int]:
            """A PDF box as pixel edges (left, top, right, bottom), grown by ``grow`` px."""
            x0, y0, x1, y1 = box
            left, top = (x0 - media[0]) * px, (media[3] - y1) * px
            right, bottom = (x1 - media[0]) * px, (media[3] - y0) * px
            return (
                round(left - grow),
                round(top - grow),
                round(right + grow),
                round(bottom + grow),
            )

        draw.rectangle(rect(trim, 1), fill=0)  # the page itself may be inked anywhere
        left, top, right, bottom = rect(bleed, -1)
        in_bleed = ink.crop((left, top, right, bottom)).getbbox()
        assert in_bleed is None, f"page {number} ({engine}): ink in the bleed band at {in_bleed}"
        draw.rectangle(rect(bleed, -1), fill=0)
        # The slug: ink only on the trim lines' rows and columns, a mark per line per corner.
        t_left, t_top, t_right, t_bottom = rect(trim)
        width, height = ink.size
        found = {}
        for name, band in {
            "top-left across": (0, t_top - 2, left, t_top + 2),
            "bottom-left across": (0, t_bottom - 2, left, t_bottom + 2),
            "top-right across": (right, t_top - 2, width, t_top + 2),
            "bottom-right across": (right, t_bottom - 2, width, t_bottom + 2),
            "top-left down": (t_left - 2, 0, t_left + 2, top),
            "top-right down": (t_right - 2, 0, t_right + 2, top),
            "bottom-left down": (t_left - 2, bottom, t_left + 2, height),
            "bottom-right down": (t_right - 2, bottom, t_right + 2, height),
        }.items():
            found[name] = ink.crop((band[0], band[1], band[2] + 1, band[3] + 1)).histogram()[255]
            draw.rectangle(band, fill=0)
        stray = ink.getbbox()
        assert stray is None, f"page {number} ({engine}): ink in the slug off the marks at {stray}"
        too_short = {k: round(v / px / MM, 1) for k, v in found.items() if v < 3 * MM * px}
        assert not too_short, f"page {number} ({engine}): marks missing or under 3 mm: {too_short}"


def _reachable(pdf) -> set[tuple[int, int]]:
    import pikepdf

    seen: set[tuple[int, int]] = set()
    stack: list[object] = [pdf.trailer]
    while stack:
        obj = stack.pop()
        if not isinstance(obj, pikepdf.Object):
            continue
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Array):
            stack.extend(obj)
        elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            stack.extend(obj.values())
    return seen


def test_every_object_is_reached_from_the_trailer(press):
    import pikepdf

    with pikepdf.open(press) as pdf:
        seen = _reachable(pdf)
        orphans = [
            (obj.objgen, str(obj.get("/Type", "")), str(obj.get("/Subtype", "")))
            for obj in pdf.objects
            if obj.objgen != (0, 0)
            and obj.objgen not in seen
            and not (isinstance(obj, pikepdf.Stream) and obj.get("/Type") in ("/ObjStm", "/XRef"))
        ]
    assert orphans == [], f"{len(orphans)} unreferenced objects: {orphans[:5]}"
    check = subprocess.run(["qpdf", "--check", str(press)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def _used_colour_spaces(stream, resources, used: dict, seen: set) -> None:
    """Record, per resource dictionary, the colour space names that content sets with
    cs/CS or an inline image, following form XObjects (their own resources, else ours)."""
    import pikepdf

    key = (stream.objgen, resources.objgen if resources is not None else None)
    if key in seen:
        return
    seen.add(key)
    names = used.setdefault(resources.objgen if resources is not None else None, set())
    for instruction in pikepdf.parse_content_stream(stream):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            space = instruction.iimage.obj.get("/ColorSpace")
            if isinstance(space, pikepdf.Name):
                names.add(str(space))
            continue
        operator = str(instruction.operator)
        if operator in ("cs", "CS"):
            names.add(str(instruction.operands[0]))
        elif operator == "Do" and resources is not None:
            xobject = resources.get("/XObject", {}).get(str(instruction.operands[0]))
            if xobject is not None and xobject.get("/Subtype") == "/Form":
                _used_colour_spaces(xobject, xobject.get("/Resources", resources), used, seen)


def test_no_colour_space_is_listed_that_no_content_uses(press):
    import pikepdf

    with pikepdf.open(press) as pdf:
        used: dict = {}
        seen: set = set()
        listed: dict = {}
        for page in pdf.pages:
            resources = page.obj.get("/Resources")
            _used_colour_spaces(page.obj, resources, used, seen)
        for _, resources in _resource_owners(pdf):
            spaces = resources.get("/ColorSpace") if resources is not None else None
            if spaces is not None:
                listed.setdefault(resources.objgen, set()).update(str(k) for k in spaces.keys())
        unused = {
            objgen: sorted(names - used.get(objgen, set()))
            for objgen, names in listed.items()
            if names - used.get(objgen, set())
        }
    assert unused == {}, f"colour spaces no content uses: {unused}"


def _resource_owners(pdf):
    for page in pdf.pages:
        yield page.obj, page.obj.get("/Resources")
    import pikepdf

    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        if obj.get("/Subtype") == "/Form" and obj.get("/Resources") is not None:
            yield obj, obj.get("/Resources")


def test_info_names_pdf_x4_as_the_xmp_does(press):
    import pikepdf

    with pikepdf.open(press) as pdf:
        assert str(pdf.docinfo.get("/GTS_PDFXVersion")) == "PDF/X-4"
        xmp = pdf.Root.Metadata.read_bytes()
        assert b"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
        assert str(pdf.docinfo.get("/Trapped")) == "/False"  # PDF/X: Info says it too


def test_the_output_intent_names_the_profile_it_embeds(press):
    """The generic CMYK profile stays (README: no free profile of a registered printing
    condition is packaged): the intent must then describe it as what it is, with no
    registry claim, and embed it as a 4-component profile."""
    import pikepdf
    from PIL import ImageCms

    with pikepdf.open(press) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX"
        profile = intent.DestOutputProfile
        assert int(profile.N) == 4
        data = profile.read_bytes()
        identifier = str(intent.OutputConditionIdentifier)
        registry = intent.get("/RegistryName")
    description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(data)))
    assert identifier == description.strip()
    assert registry is None


def test_the_press_text_is_100_percent_k_and_every_font_embedded(press):
    from zhpress.checks.pdfmeasure import colour_operators

    ops = colour_operators(press)
    values = {op.rsplit(" ", 1)[0] for op in ops if op.endswith((" k", " K", " scn", " SCN"))}
    assert values == {"0 0 0 1"}, values
    if shutil.which("pdffonts"):
        rows = subprocess.run(
            ["pdffonts", str(press)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        assert rows and all(row.split()[-5] == "yes" for row in rows), rows


def _profile_described_as(data: bytes, description: str) -> bytes:
    """An ICC v2 profile with its 'desc' tag replaced (appended, the tag table repointed):
    a stand-in for a shop's FOGRA39 profile, whose licence forbids shipping it here."""
    import struct

    ascii_text = description.encode("ascii") + b"\0"
    tag = b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_text)) + ascii_text
    tag += b"\0" * 8 + b"\0\0" + b"\0" + b"\0" * 67  # no Unicode, no ScriptCode text
    body = data + b"\0" * (-len(data) % 4)
    offset = len(body)
    count = struct.unpack(">I", data[128:132])[0]
    table = bytearray(body)
    for n in range(count):
        at = 132 + 12 * n
        if table[at : at + 4] == b"desc":
            table[at + 4 : at + 12] = struct.pack(">II", offset, len(tag))
    profile = table + tag
    profile[0:4] = struct.pack(">I", len(profile))
    profile[84:100] = b"\0" * 16  # no profile ID: it would no longer match
    return bytes(profile)


def test_a_profile_of_a_registered_condition_names_it_in_the_output_intent(tmp_path):
    """A shop's FOGRA39 profile given as ``press: icc:`` makes the intent say FOGRA39, with
    the ICC registry, as PDF/X asks of a registered printing condition."""
    import pikepdf

    from tests.conftest import EPOCH, write_book
    from zhpress.editions.pdf import DEFAULT_ICC, write_press
    from zhpress.manuscript.load import load_book

    book = write_book(tmp_path / "book")
    description = "Coated FOGRA39 (ISO 12647-2:2004)"
    (book / "fogra39.icc").write_bytes(_profile_described_as(DEFAULT_ICC.read_bytes(), description))
    yaml = book / "book.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "press:\n  icc: fogra39.icc\n", "utf-8")
    out = tmp_path / "press.pdf"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        write_press(load_book(book), out)
    with pikepdf.open(out) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert str(intent.OutputConditionIdentifier) == "FOGRA39"
        assert str(intent.RegistryName) == "http://www.color.org"
        assert str(intent.OutputCondition) == description
        assert str(intent.Info) == description
