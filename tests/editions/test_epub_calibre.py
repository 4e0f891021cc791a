"""The EPUB through calibre's converter, the road to Kindle (AZW3) and to Kobo and PDF.

calibre's renderer (Qt WebEngine 6.4, an older Chromium) has no text-autospace, so only the
markup can space Han and Western text there (zhpress/westernspace.py). calibre is a system
package (tools/system-deps.sh --test, ~100 MB, under 2 min to install); without it these skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from itertools import pairwise
from pathlib import Path

import pdfplumber
import pytest
from conftest import BOOK

from zhpress.cjk import is_ideograph, is_western_run_char
from zhpress.editions.epub import write_epub
from zhpress.manuscript.load import load_book

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("ebook-convert") is None,
        reason="calibre is not installed (apt-get install --no-install-recommends calibre)",
    ),
]
MIN_GAP_EM = 0.2


@pytest.fixture(scope="module")
def seed_epub_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("calibre") / "book.epub"
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        write_epub(load_book(BOOK), path)
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return path


def convert(source: Path, target: Path) -> str:
    """Run ebook-convert; return everything it printed."""
    env = {**os.environ, "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox", "HOME": str(target.parent)}
    result = subprocess.run(
        ["ebook-convert", str(source), str(target)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0 and target.is_file(), output[-3000:]
    return output


def han_western_gaps(pdf: Path) -> list[tuple[str, float]]:
    """(pair, blank in em) for every Han character beside a letter or digit on a PDF line."""
    found = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            chars = [c for c in page.chars if c["text"].strip()]
            for a, b in pairwise(chars):
                if abs(a["top"] - b["top"]) > a["size"] / 2:
                    continue  # not on the same line
                x, y = a["text"], b["text"]
                western_x = is_western_run_char(x) and x.isalnum()
                western_y = is_western_run_char(y) and y.isalnum()
                if (is_ideograph(x) and western_y) or (western_x and is_ideograph(y)):
                    found.append((x + y, (b["x0"] - a["x1"]) / a["size"]))
    return found


def test_calibres_pdf_spaces_every_han_western_boundary(seed_epub_file, tmp_path):
    pdf = tmp_path / "book.pdf"
    convert(seed_epub_file, pdf)
    gaps = han_western_gaps(pdf)
    assert len(gaps) >= 30, gaps  # the seed book has 40 such boundaries
    narrow = [(pair, round(em, 3)) for pair, em in gaps if em < MIN_GAP_EM]
    assert narrow == [], narrow


def test_azw3_converts_without_warnings_and_keeps_the_headline_as_title(seed_epub_file, tmp_path):
    azw3 = tmp_path / "book.azw3"
    output = convert(seed_epub_file, azw3)
    noisy = [line for line in output.splitlines() if re.search(r"WARNING|ERROR", line)]
    assert noisy == []
    meta = subprocess.run(
        ["ebook-meta", str(azw3)], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    title = re.search(r"^Title\s*:\s*(.*)$", meta, re.M)
    assert title and title.group(1).strip() == load_book(BOOK).title, meta
