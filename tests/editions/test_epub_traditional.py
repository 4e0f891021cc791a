"""The Traditional book's EPUB (tests/fixtures/hant) laid out by Chromium, measured line by line
as the seed's is (test_epub_engines.py): no ragged line, no prohibited line start, every
Han/Western gap a 1/4 em, no line indented by a Western run."""

from __future__ import annotations

import os

import pytest
from conftest import EPOCH, ROOT
from engine_layout import chromium_binary, judge, unpack

from zhpress.editions.epub import write_epub
from zhpress.manuscript.load import load_book

pytestmark = pytest.mark.slow
HANT = ROOT / "tests" / "fixtures" / "hant"


@pytest.fixture(scope="module")
def chapters(tmp_path_factory):
    if not chromium_binary():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("hant-epub")
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        write_epub(load_book(HANT), folder / "book.epub")
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return unpack(folder / "book.epub", folder / "unzipped")


@pytest.mark.parametrize("width", [390, 820])
def test_chromium_sets_the_traditional_book_clean(width, chapters):
    result = judge("chromium", chapters, width)
    assert len(result.lines) > 10, result.summary()
    assert result.ragged() == [], result.summary()
    assert result.prohibited == [], result.summary()
    assert len(result.gaps) >= 20 and result.narrow == [], result.summary()
    assert result.indented == [], result.summary()
