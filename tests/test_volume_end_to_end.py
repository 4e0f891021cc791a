"""Issue 17 end to end, as an editor works: two OCR pages imported into one book with the
command line, built into all three editions with the checks on, and every character of both
pages found in every edition; the PDF outline and the EPUB navigation have a level per page."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import EPOCH, ROOT, SEED

sys.path.insert(0, str(ROOT / "tests" / "importer"))
from pagegen import make_page

pytestmark = pytest.mark.slow


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


def _han(text: str) -> set[str]:
    return {ch for ch in text if "\u4e00" <= ch <= "\u9fff"}


@pytest.fixture(scope="module")
def volume(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("volume")
    first = work / "a.txt"
    shutil.copyfile(SEED, first)
    second = work / "b.txt"
    second.write_bytes(make_page(5, min_step=2)[0])
    made = _run("import", str(first), str(second), "--out", "book", "--title", "两期圆桌", cwd=work)
    assert made.returncode == 0, made.stderr
    built = _run("build", "--book", "book", "--out", "dist", cwd=work)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "error" not in built.stdout.lower().split("checks:")[-1].split("\n")[0]
    dist = work / "dist"
    return {
        "pages": [first, second],
        "book": work / "book",
        "reader": next(p for p in dist.glob("*.pdf") if not p.name.endswith("-print.pdf")),
        "press": next(dist.glob("*-print.pdf")),
        "epub": next(dist.glob("*.epub")),
    }


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _epub_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(
            "".join(etree.fromstring(z.read(name)).itertext())
            for name in z.namelist()
            if name.endswith(".xhtml")
        )


def test_every_character_of_both_pages_is_in_every_edition(volume):
    # The vertical presentation forms (﹃﹄) become horizontal quotes; every Han character of
    # each page must reach every edition.
    editions = {
        "reader": _pdf_text(volume["reader"]),
        "press": _pdf_text(volume["press"]),
        "epub": _epub_text(volume["epub"]),
    }
    for page in volume["pages"]:
        wanted = _han(page.read_bytes().decode("utf-8", errors="ignore"))
        assert len(wanted) > 200
        for name, text in editions.items():
            missing = wanted - _han(text)
            assert not missing, (page.name, name, sorted(missing)[:20])


def test_outline_and_navigation_have_a_level_per_page(volume):
    from pypdf import PdfReader

    from zhpress.manuscript.load import load_book

    book = load_book(volume["book"])
    assert len(book.parts) == 2
    outline = PdfReader(volume["reader"]).outline
    titles = [item.title for item in outline if not isinstance(item, list)]
    nested = [item for item in outline if isinstance(item, list)]
    for part in book.parts:
        assert part.title in titles
    assert len(nested) >= 2
    flat_children = {i.title for group in nested for i in group if not isinstance(i, list)}
    assert {c.title for c in book.chapters} <= flat_children

    with zipfile.ZipFile(volume["epub"]) as z:
        nav_name = next(n for n in z.namelist() if n.endswith("nav.xhtml"))
        nav = etree.fromstring(z.read(nav_name))
    ns = {"x": "http://www.w3.org/1999/xhtml", "e": "http://www.idpf.org/2007/ops"}
    toc = nav.xpath("//x:nav[@e:type='toc']/x:ol", namespaces=ns)[0]
    tops = toc.xpath("./x:li", namespaces=ns)

    def label(li) -> str:
        return re.sub(r"\s+", "", "".join(li.xpath("./x:a", namespaces=ns)[0].itertext()))

    titles = {re.sub(r"\s+", "", part.title) for part in book.parts}
    part_items = [li for li in tops if label(li) in titles]
    assert len(part_items) == len(book.parts)
    for part, li in zip(book.parts, part_items, strict=True):
        assert label(li) == re.sub(r"\s+", "", part.title)
        below = [label(x) for x in li.xpath("./x:ol/x:li", namespaces=ns)]
        # A contribution's line reads "徐雨森：夯实制造业……": its panelist, then its title.
        expected = [f"{c.panelist}：{c.title}" for c in part.chapters]
        assert below == [re.sub(r"\s+", "", e) for e in expected]


def test_the_full_check_passes_on_the_volume_in_every_engine(volume):
    """``check``: four PDF engines draw both PDFs alike, epubcheck has nothing to say, the
    EPUB's page list matches the reader PDF."""
    work = volume["book"].parent
    checked = _run("check", "--book", "book", "--out", "dist", cwd=work)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    rows = {
        tuple(line.split()[:3]) for line in checked.stdout.splitlines() if len(line.split()) > 2
    }
    for edition in ("reader", "press"):
        assert (edition, "engines", "ok") in rows
        assert (edition, "cid-fonts", "ok") in rows
    assert ("epub", "page-list", "ok") in rows
    assert ("epub", "epubcheck", "ok") in rows
