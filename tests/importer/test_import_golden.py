"""Golden pages from an independent page generator (other articles, other column widths):
``NAME.input.txt`` imports to exactly the manuscript in ``NAME.expected/``.

- ``wider-article-after-full-line``: the second article is set two ems wider than the first,
  and the first ends on a full line with 。, so the new article's indented first line is as
  wide as the old column's full line (a soft paragraph start, ``draft._soft_units``).
- ``merged-headings-compound-surname``: no blank lines anywhere (CRLF, headline first), so the
  vertical headings arrive as one run; 欧阳晓峰 has a two-character surname and the title
  ends in '关键在人才', which must not become a panelist.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

GOLDEN = Path(__file__).parent / "golden" / "pages"
CASES = sorted(p.name.removesuffix(".input.txt") for p in GOLDEN.glob("*.input.txt"))


@pytest.mark.parametrize("name", CASES)
def test_page_imports_to_its_golden_manuscript(name: str, tmp_path: Path):
    out = tmp_path / "book"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "import",
            f"{name}.input.txt",  # relative, as the review list names it
            "--out",
            str(out),
        ],
        cwd=GOLDEN,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    expected = GOLDEN / f"{name}.expected"
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in expected.iterdir())
    for path in expected.iterdir():
        assert (out / path.name).read_bytes() == path.read_bytes(), path.name


def test_there_are_golden_pages():
    assert len(CASES) >= 2
