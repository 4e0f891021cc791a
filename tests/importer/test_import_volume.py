"""Several pages imported into one book (``import A.txt B.txt --title 书名``, issue 17).

Each part folder must hold exactly what importing its page alone writes (``book.yaml`` named
``part.yaml``), the book's own ``book.yaml`` lists the parts in the order given, the review list
has a section per page, and a page that is not a page stops the import with nothing written.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SEED
from pagegen import make_page

from zhpress.errors import SourceError
from zhpress.importer.draft import REVIEW_FILE, import_page
from zhpress.importer.volume import (
    Part,
    headline_slug,
    import_volume,
    part_folders,
    render_book_yaml,
)
from zhpress.manuscript.load import load_book

TITLE = "圆桌论坛二〇二四"
SEED_FOLDER = "foshan-xinxing-gongyehua"
# Generated pages (tests/importer/pagegen.py) that import exactly: a plain one, one with page
# furniture (which is always on the review list), two in Traditional characters.
GENERATED = {"seed": 5, "min_step": 2}
FURNITURE = {"seed": 11, "min_step": 2, "furniture": True}
TRADITIONAL = ({"seed": 7, "min_step": 2, "traditional": True}, {"seed": 8, "traditional": True})


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _pages(folder: Path) -> tuple[list[Path], list]:
    """The seed, a generated page and a page with furniture, written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    seed = folder / "roundtable.txt"
    shutil.copyfile(SEED, seed)
    pages, expected = [seed], [None]
    for name, options in (("generated.txt", GENERATED), ("furniture.txt", FURNITURE)):
        data, exp, _ = make_page(**options)
        (folder / name).write_bytes(data)
        pages.append(folder / name)
        expected.append(exp)
    return pages, expected


@pytest.fixture(scope="module")
def volume(tmp_path_factory) -> tuple[Path, list[Path], list, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("volume")
    pages, expected = _pages(root / "pages")
    names = [str(p.relative_to(root)) for p in pages]
    result = cli("import", *names, "--out", "book", "--title", TITLE, "--report", cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "book", pages, expected, result


def _folders(book: Path) -> list[str]:
    return sorted(p.name for p in book.iterdir() if p.is_dir())


def test_one_part_folder_per_page_in_the_order_given(volume):
    book = volume[0]
    folders = _folders(book)
    assert folders == [
        f"01-{SEED_FOLDER}",
        f"02-{SEED_FOLDER}",  # the generated pages reuse the seed's headline
        f"03-{SEED_FOLDER}",
    ]
    assert sorted(p.name for p in book.iterdir() if p.is_file()) == [REVIEW_FILE, "book.yaml"]
    for folder in folders:
        files = sorted(p.name for p in (book / folder).iterdir())
        assert "part.yaml" in files and "book.yaml" not in files and REVIEW_FILE not in files
    # the book's own keys: its title, the language all its pages share, its parts
    assert (book / "book.yaml").read_text(encoding="utf-8") == (
        f"title: {TITLE}\nlanguage: zh-Hans\nparts:\n"
        + "".join(f"  - {n:02d}-{SEED_FOLDER}\n" for n in (1, 2, 3))
    )


def test_the_book_loads_with_its_parts_in_order(volume):
    book, _, expected, _ = volume
    loaded = load_book(book)
    assert loaded.title == TITLE and loaded.series is None
    assert [p.folder.name for p in loaded.parts] == _folders(book)
    assert [len(p.chapters) for p in loaded.parts] == [4] + [len(e.chapters) for e in expected[1:]]
    assert [p.moderator for p in loaded.parts] == ["叶小青"] + [e.moderator for e in expected[1:]]
    assert len(loaded.chapters) == sum(len(p.chapters) for p in loaded.parts)


def test_each_part_is_what_importing_its_page_alone_writes(volume, tmp_path: Path):
    book, pages, _, _ = volume
    for page, folder in zip(pages, _folders(book), strict=True):
        single = tmp_path / page.stem
        assert import_page(page, single) == 0
        want = {
            ("part.yaml" if name == "book.yaml" else name): data
            for name, data in _tree(single).items()
            if name != REVIEW_FILE
        }
        assert _tree(book / folder) == want, page.name
        # the same keys and values as the single book.yaml, read as YAML too
        assert yaml.safe_load(want["part.yaml"]) == yaml.safe_load(
            (single / "book.yaml").read_bytes()
        )


def _load_part(folder: Path, tmp_path: Path):
    """A part folder read with today's loader (its part.yaml as book.yaml, as the loader's
    hint for parts books says)."""
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    (copy / "part.yaml").rename(copy / "book.yaml")
    return load_book(copy)


def test_every_character_of_every_page_is_in_its_part(volume, tmp_path: Path):
    book, pages, expected, result = volume
    folders = _folders(book)
    for folder, exp in zip(folders, expected, strict=True):
        part = _load_part(book / folder, tmp_path)
        if exp is None:  # the seed: the repository's book/ is its exact import
            assert part.title == "佛山新型工业化如何闯出新路？"
            assert len(part.chapters) == 4
            continue
        assert (part.title, part.kicker, part.moderator) == (exp.title, exp.kicker, exp.moderator)
        assert [b.text for b in part.lede] == exp.lede
        got = [(c.panelist, c.title, [b.text for b in c.blocks]) for c in part.chapters]
        assert got == exp.chapters
    # --report: one conservation account per page, each naming its page and part, none lost
    for page, folder in zip(pages, folders, strict=True):
        name = str(page.relative_to(book.parent))
        assert f"# {name} -> {folder}\nconservation account for {name} (" in result.stdout
    assert result.stdout.count("conservation account for") == 3
    assert result.stdout.count("  lost                                         0") == 3


def test_the_review_list_has_a_section_per_page(volume):
    book, pages, _, result = volume
    review = (book / REVIEW_FILE).read_text(encoding="utf-8")
    assert review.startswith("# Import review\n")
    sections = review.split("\n## ")[1:]
    folders = _folders(book)
    assert len(sections) == 3
    for section, page, folder in zip(sections, pages, folders, strict=True):
        name = str(page.relative_to(book.parent))
        assert section.startswith(f"{folder} ({name})\n")
        entries = [line for line in section.splitlines() if line.startswith("- [ ] ")]
        # every entry names its own page's source lines
        assert all(line.startswith(f"- [ ] {name}:") for line in entries), section
    seed_section, _, furniture_section = sections
    assert "Nothing to review on this page." in seed_section
    assert "page furniture" in furniture_section
    # the warnings on stderr name the part; the count points at the book's review list
    assert f"warning: {folders[2]}: {pages[2].relative_to(book.parent)}:" in result.stderr
    assert f"to review: {Path('book') / REVIEW_FILE}" in result.stderr


def test_pages_that_agree_give_the_book_their_language_and_no_review_list(tmp_path: Path):
    other = tmp_path / "again.txt"
    shutil.copyfile(SEED, other)
    out = tmp_path / "book"
    assert import_volume([SEED, other], out, title=TITLE) == 0
    assert (out / "book.yaml").read_text(encoding="utf-8") == (
        f"title: {TITLE}\nlanguage: zh-Hans\nparts:\n  - 01-{SEED_FOLDER}\n  - 02-{SEED_FOLDER}\n"
    )
    assert not (out / REVIEW_FILE).exists()


def _traditional_pages(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pages = []
    for n, options in enumerate(TRADITIONAL, start=1):
        pages.append(folder / f"hk-{n}.txt")
        pages[-1].write_bytes(make_page(**options)[0])
    return pages


def test_traditional_pages_make_a_traditional_book(tmp_path: Path):
    pages = _traditional_pages(tmp_path / "pages")
    out = tmp_path / "book"
    assert import_volume(pages, out, title="圓桌論壇二〇二四") == 0
    assert (out / "book.yaml").read_text(encoding="utf-8") == (
        f"title: 圓桌論壇二〇二四\nlanguage: zh-Hant\nparts:\n"
        f"  - 01-{SEED_FOLDER}\n  - 02-{SEED_FOLDER}\n"  # the same slug as the Simplified
    )
    loaded = load_book(out)
    assert loaded.language == "zh-Hant"
    for folder, options in zip(_folders(out), TRADITIONAL, strict=True):
        part = yaml.safe_load((out / folder / "part.yaml").read_text(encoding="utf-8"))
        assert part["language"] == "zh-Hant"
        expected = make_page(**options)[1]
        assert part["title"] == expected.title and part["moderator"] == expected.moderator


def test_pages_in_two_scripts_are_refused(tmp_path: Path):
    """The manuscript loader sets a book in one script, so such pages would make a book that
    does not load: refused, naming each page's script, nothing written."""
    traditional = _traditional_pages(tmp_path / "pages")[0]
    result = cli(
        "import", str(SEED), str(traditional), "--out", "book", "--title", TITLE, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "different scripts" in result.stderr and "Traceback" not in result.stderr
    assert f"{SEED}: zh-Hans; {traditional}: zh-Hant" in result.stderr
    _nothing_written(tmp_path, "pages")


def _fake_part(folder: str, series: str | None, language: str) -> Part:
    lines = ["title: 标题"] + ([f"series: {series}"] if series else [])
    lines += [f"language: {language}", "chapters:", "  - 01-a.md"]
    return Part(Path(f"{folder}.txt"), None, None, {"book.yaml": "\n".join(lines) + "\n"}, folder)  # type: ignore[arg-type]


def test_the_book_has_a_series_only_when_every_page_shares_it():
    shared = [_fake_part("01-a", "圆桌论坛", "zh-Hans"), _fake_part("02-b", "圆桌论坛", "zh-Hans")]
    assert render_book_yaml("书", shared) == (
        "title: 书\nseries: 圆桌论坛\nlanguage: zh-Hans\nparts:\n  - 01-a\n  - 02-b\n"
    )
    mixed = [_fake_part("01-a", "圆桌论坛", "zh-Hant"), _fake_part("02-b", None, "zh-Hant")]
    assert (
        render_book_yaml("书", mixed)
        == "title: 书\nlanguage: zh-Hant\nparts:\n  - 01-a\n  - 02-b\n"
    )


def test_a_folder_of_pages_is_read_in_name_order(tmp_path: Path):
    folder = tmp_path / "pages"
    pages, _ = _pages(folder)
    (folder / "notes.md").write_text("not a page", encoding="utf-8")
    (folder / "0-first.txt").write_bytes(pages[1].read_bytes())  # sorts first by name
    result = cli("import", "pages", "--out", "book", "--title", TITLE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    order = [
        line.split(" ")[1] for line in result.stdout.splitlines() if line.startswith("imported")
    ]
    assert order == [
        str(Path("pages") / name)
        for name in ("0-first.txt", "furniture.txt", "generated.txt", "roundtable.txt")
    ]
    book = tmp_path / "book"
    assert len(_folders(book)) == 4
    assert _tree(book / _folders(book)[0]) == _tree(book / _folders(book)[2])  # same page


def test_one_page_with_a_title_is_a_book_of_one_part(tmp_path: Path):
    result = cli("import", str(SEED), "--out", "book", "--title", TITLE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _folders(tmp_path / "book") == [f"01-{SEED_FOLDER}"]


def _nothing_written(tmp_path: Path, *keep: str) -> None:
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


def test_several_pages_without_a_title_are_refused(tmp_path: Path):
    pages, _ = _pages(tmp_path / "pages")
    for args in ([str(p) for p in pages[:2]], ["pages"]):
        result = cli("import", *args, "--out", "book", cwd=tmp_path)
        assert result.returncode == 2
        assert "--title" in result.stderr and "Traceback" not in result.stderr
        _nothing_written(tmp_path, "pages")
    result = cli("import", "pages", "--out", "book", "--title", "  ", cwd=tmp_path)
    assert result.returncode == 2 and "--title is empty" in result.stderr


def test_a_page_that_is_not_a_page_stops_the_whole_import(tmp_path: Path):
    pages, _ = _pages(tmp_path / "pages")
    bad = tmp_path / "pages" / "english.txt"
    bad.write_bytes(b"An English page.\n\nNo Chinese here.\n")
    result = cli(
        "import",
        str(pages[0]),
        str(bad),
        str(pages[1]),
        "--out",
        "book",
        "--title",
        TITLE,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}: no Chinese text")
    assert "Traceback" not in result.stderr and result.stdout == ""
    _nothing_written(tmp_path, "pages")  # no book, no temporary folder
    missing = tmp_path / "pages" / "missing.txt"
    result = cli(
        "import", str(pages[0]), str(missing), "--out", "book", "--title", TITLE, cwd=tmp_path
    )
    assert result.returncode == 2 and result.stderr.startswith(f"error: {missing}: cannot read")
    _nothing_written(tmp_path, "pages")


def test_an_empty_folder_or_a_page_given_twice_is_refused(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    result = cli("import", "empty", "--out", "book", "--title", TITLE, cwd=tmp_path)
    assert result.returncode == 2 and "no pages (*.txt files)" in result.stderr
    result = cli("import", str(SEED), str(SEED), "--out", "book", "--title", TITLE, cwd=tmp_path)
    assert result.returncode == 2 and "given twice" in result.stderr
    _nothing_written(tmp_path, "empty")


def test_an_existing_book_is_kept_unless_forced_and_kept_when_a_page_fails(tmp_path: Path):
    pages, _ = _pages(tmp_path / "pages")
    out = tmp_path / "book"
    out.mkdir()
    (out / "mine.md").write_text("editor's work", encoding="utf-8")
    args = ("import", *map(str, pages[:2]), "--out", "book", "--title", TITLE)
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "not empty" in result.stderr and "--force" in result.stderr
    assert _tree(out) == {"mine.md": b"editor's work"}
    result = cli(*args, "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    before = _tree(out)
    assert "mine.md" not in before and "book.yaml" in before
    bad = tmp_path / "pages" / "empty.txt"
    bad.write_bytes(b"")
    result = cli(
        "import",
        *map(str, pages[:2]),
        str(bad),
        "--out",
        "book",
        "--title",
        TITLE,
        "--force",
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "the file is empty" in result.stderr
    assert _tree(out) == before
    _nothing_written(tmp_path, "pages", "book")


def test_a_page_that_would_lose_a_character_stops_the_import(tmp_path: Path, monkeypatch):
    """Conservation per page: the single-page accounting runs on every page of the book."""
    from zhpress.importer import draft

    original = draft.join_lines
    monkeypatch.setattr(draft, "join_lines", lambda lines: original(lines)[:-1])
    with pytest.raises(SourceError, match="would lose") as info:
        import_volume([SEED], tmp_path / "book", title=TITLE)
    assert info.value.path == SEED
    _nothing_written(tmp_path)


@pytest.mark.parametrize(
    ("headline", "slug"),
    [
        ("佛山新型工业化如何闯出新路？", "foshan-xinxing-gongyehua"),
        ("佛山新型工業化如何闖出新路？", "foshan-xinxing-gongyehua"),  # Traditional: the same
        ("老城区更新", "lao-chengqu-gengxin"),
        ("待定标题", "daidingbiaoti"),
        ("？！……", "part"),
        ("Artificial Intelligence and Manufacturing", "artificial-intelligence"),
    ],
)
def test_a_part_folder_is_named_by_the_pinyin_of_its_headline(headline: str, slug: str):
    assert headline_slug(headline) == slug
    assert len(slug) <= 24


def test_part_folder_numbers_are_unique_and_as_wide_as_the_count():
    assert part_folders(["老城区更新"] * 3) == [
        "01-lao-chengqu-gengxin",
        "02-lao-chengqu-gengxin",
        "03-lao-chengqu-gengxin",
    ]
    names = part_folders(["待定标题"] * 120)
    assert names[0] == "001-daidingbiaoti" and names[-1] == "120-daidingbiaoti"
    assert len(set(names)) == 120 and names == sorted(names)
