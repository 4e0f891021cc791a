"""Shared fixtures: paths of the repository, the seed and its editions (rendered once per
session), a small valid manuscript, and the hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# A few hundred examples in the normal suite; `make fuzz` (ZHPRESS_FUZZ=1) runs thousands.
settings.register_profile(
    "default",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "fuzz",
    max_examples=5000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("fuzz" if os.environ.get("ZHPRESS_FUZZ") == "1" else "default")
FUZZ = os.environ.get("ZHPRESS_FUZZ") == "1"

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "foshan-new-industrialisation-roundtable.txt"
BOOK = ROOT / "book"
EPOCH = "1700000000"  # 2023-11-14T22:13:20Z, SOURCE_DATE_EPOCH of every test build


def opening_pages(pdf, titles) -> dict[str, object]:
    """The pdfplumber page each contribution opens on: where its title is set in the
    title size (15 pt), keyed by title, in book order."""
    found: dict[str, object] = {}
    for page in pdf.pages:
        heading = "".join(c["text"] for c in page.chars if c["size"] == 15.0)
        for title in titles:
            if title in heading and title not in found:
                found[title] = page
    return {t: found[t] for t in titles if t in found}


def write_book(root: Path, chapters: dict[str, str] | None = None, yaml_text: str | None = None):
    """Write a small manuscript; used by tests that need a book they can break on purpose."""
    root.mkdir(parents=True, exist_ok=True)
    chapters = chapters or {
        "01-a.md": "---\npanelist: 王小明\ntitle: 第一篇\n---\n\n第一段，含3个数字。\n\n第二段。\n",
        "02-b.md": "---\npanelist: 李四\ntitle: 第二篇\n---\n\n只有一段“引号”。\n",
    }
    for name, text in chapters.items():
        (root / name).write_text(text, encoding="utf-8")
    if yaml_text is None:
        yaml_text = (
            "title: 测试书名\nkicker: 引题\nmoderator: 张三\nlede: |\n  导语一段。\nchapters:\n"
        )
        yaml_text += "".join(f"  - {name}\n" for name in chapters)
    (root / "book.yaml").write_text(yaml_text, encoding="utf-8")
    return root


@pytest.fixture
def small_book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "book")


@pytest.fixture(scope="session")
def seed_dist(tmp_path_factory) -> dict[str, Path]:
    """The seed book's three editions, built once for the whole session (no checks run)."""
    from zhpress.builder.pipeline import build
    from zhpress.editions.paths import edition_paths
    from zhpress.manuscript.load import load_book

    out = tmp_path_factory.mktemp("seed-dist")
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        build(BOOK, out, run_checks=False, force=True)
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return edition_paths(load_book(BOOK), out)


def build_at_trim(source: Path, tmp_path: Path, trim: str, monkeypatch) -> tuple:
    """A copy of the book at ``source`` with ``trim:`` set, built (reader and press, fast
    checks on, so any error raises): the book as loaded and its editions' paths."""
    import shutil

    from zhpress.builder.pipeline import build
    from zhpress.editions.paths import edition_paths
    from zhpress.manuscript.load import load_book

    book_dir = tmp_path / "book"
    shutil.copytree(source, book_dir)
    yaml = book_dir / "book.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + f"trim: {trim}\n", encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = tmp_path / "dist"
    assert build(book_dir, out, only=["reader", "press"], run_checks=True, force=True) == 0
    book = load_book(book_dir)
    return book, edition_paths(book, out)


PARTS = ROOT / "tests" / "fixtures" / "parts"


def write_parts_book(root: Path, copies: int = 1, preface: bool = True) -> Path:
    """A book of several pages: the seed's page (book/) as part 1, our own page
    (tests/fixtures/parts/02-laochengqu, whose panelists include the seed's 徐雨森 and the
    surnames 曾, 单 and 仇) as part 2, the pair repeated ``copies`` times."""
    import shutil

    root.mkdir(parents=True, exist_ok=True)
    names = []
    for n in range(copies):
        seed_part = root / f"{2 * n + 1:02d}-foshan"
        shutil.copytree(BOOK, seed_part, ignore=shutil.ignore_patterns("dist", ".*"))
        (seed_part / "book.yaml").rename(seed_part / "part.yaml")
        own_part = root / f"{2 * n + 2:02d}-laochengqu"
        shutil.copytree(PARTS / "02-laochengqu", own_part)
        names += [seed_part.name, own_part.name]
    text = "title: 圆桌论坛二〇二四\nseries: 圆桌论坛\npublisher: 测试出版社\n"
    if preface:
        shutil.copy(PARTS / "preface.md", root / "preface.md")
        text += "preface: preface.md\n"
    text += "parts:\n" + "".join(f"  - {name}\n" for name in names)
    (root / "book.yaml").write_text(text, encoding="utf-8")
    return root
