"""Shared fixtures: paths of the repository, the seed, and a small valid manuscript."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "foshan-new-industrialisation-roundtable.txt"
BOOK = ROOT / "book"


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
