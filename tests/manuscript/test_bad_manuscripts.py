"""Bad manuscripts through the command line, as an editor meets them: one clear message (file,
line, what is wrong, what to do), exit code 2, no traceback, and dist/ exactly as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_book
from zhpress.editions.paths import pinyin_slug

GOOD = "---\npanelist: 王小明\ntitle: 第一篇\n---\n\n第一段，含3个数字。\n\n第二段。\n"
PREVIOUS = b"%PDF-1.7 the previous edition, which a failed build must not touch\n"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def plant_previous_editions(dist: Path) -> dict[Path, bytes]:
    """The editions of an earlier good build of '测试书名', which a failed build must keep."""
    dist.mkdir()
    stem = pinyin_slug("测试书名")
    previous = {}
    for name in (f"{stem}.pdf", f"{stem}-print.pdf", f"{stem}.epub"):
        previous[dist / name] = f"{name}: {PREVIOUS.decode()}".encode()
        (dist / name).write_bytes(previous[dist / name])
    return previous


def chapter(body: str) -> dict[str, str]:
    return {"01-a.md": body}


def yaml_with(chapters: str, extra: str = "") -> str:
    return f"title: 测试书名\n{extra}chapters:\n{chapters}"


# (name, files to write: chapters or None, book.yaml text or None, expected phrases)
CASES = [
    (
        "no book.yaml",
        None,
        None,
        ["book.yaml", "no book.yaml", "hint: run 'python build.py import"],
    ),
    (
        "yaml syntax",
        chapter(GOOD),
        "title: [unclosed\nchapters:\n  - 01-a.md\n",
        ["book.yaml:", "YAML syntax error"],
    ),
    (
        "duplicate key",
        chapter(GOOD),
        yaml_with("  - 01-a.md\n", extra="kicker: 引题\ntitle: 另一个书名\n"),
        ["book.yaml:3", "the key 'title' is given twice, on lines 1 and 3", "hint: keep one"],
    ),
    (
        "number title",
        chapter(GOOD),
        "title: 2024\nchapters:\n  - 01-a.md\n",
        ["book.yaml:1", "'title' is read as a number (2024)", "hint: put the value in quotes"],
    ),
    (
        "yes/no kicker",
        chapter(GOOD),
        yaml_with("  - 01-a.md\n", extra="kicker: yes\n"),
        ["book.yaml:2", "'kicker' is read as a yes/no value"],
    ),
    (
        "unknown language",
        chapter(GOOD),
        yaml_with("  - 01-a.md\n", extra="language: klingon\n"),
        ["book.yaml:2", "unknown language 'klingon'", "hint: use a BCP 47 tag", "zh-Hant-TW"],
    ),
    (
        "a part that is missing",
        chapter(GOOD),
        "title: 测试书名\nparts:\n  - 01-part\n",
        ["book.yaml:3", "part '01-part' is listed but its folder does not exist"],
    ),
    (
        "parts and chapters both",
        chapter(GOOD),
        "title: 测试书名\nparts:\n  - 01-part\nchapters:\n  - 01-a.md\n",
        ["book.yaml:4", "both 'chapters' and 'parts'"],
    ),
    (
        "a part outside the book",
        chapter(GOOD),
        "title: 测试书名\nparts:\n  - ../elsewhere\n",
        ["book.yaml:3", "part '../elsewhere' leaves the book folder"],
    ),
    (
        "front matter duplicate key",
        chapter("---\npanelist: 甲\ntitle: 乙\npanelist: 丙\n---\n\n正文。\n"),
        None,
        ["01-a.md:4", "the key 'panelist' is given twice, on lines 2 and 4"],
    ),
    (
        "number panelist",
        chapter("---\npanelist: 007\ntitle: 乙\n---\n\n正文。\n"),
        None,
        ["01-a.md:2", "'panelist' is read as a number (7)", "put the value in quotes"],
    ),
    (
        "missing title",
        chapter(GOOD),
        "kicker: 引题\nchapters:\n  - 01-a.md\n",
        ["book.yaml", "lacks the required key 'title'", "hint: add a 'title:' line"],
    ),
    (
        "missing chapters",
        chapter(GOOD),
        "title: 测试书名\n",
        ["book.yaml", "lacks the required key 'chapters'"],
    ),
    (
        "listed chapter missing",
        chapter(GOOD),
        yaml_with("  - 01-a.md\n  - 02-missing.md\n"),
        ["book.yaml:4", "'02-missing.md' is listed but does not exist", "hint: create"],
    ),
    (
        "chapter leaves the book",
        chapter(GOOD),
        yaml_with("  - 01-a.md\n  - ../outside.md\n"),
        ["book.yaml:4", "'../outside.md' leaves the book folder", "hint:"],
    ),
    (
        "absolute chapter path",
        chapter(GOOD),
        yaml_with("  - /etc/hostname\n"),
        ["book.yaml:3", "is an absolute path"],
    ),
    (
        "no front matter",
        chapter("panelist: 甲\ntitle: 乙\n\n正文。\n"),
        None,
        ["01-a.md:1", "missing front matter", "hint: add '---'"],
    ),
    (
        "front matter not closed",
        chapter("---\npanelist: 甲\ntitle: 乙\n\n正文。\n"),
        None,
        ["01-a.md:1", "not closed by a second '---'"],
    ),
    (
        "front matter yaml error",
        chapter("---\npanelist: [甲\ntitle: 乙\n---\n\n正文。\n"),
        None,
        ["01-a.md:", "YAML syntax error"],
    ),
    (
        "front matter lacks panelist",
        chapter("---\ntitle: 乙\n---\n\n正文。\n"),
        None,
        ["01-a.md:2", "lacks the required key 'panelist'", "hint: add 'panelist: ...'"],
    ),
    (
        "empty chapter body",
        chapter("---\npanelist: 甲\ntitle: 乙\n---\n\n\n"),
        None,
        ["01-a.md:4", "no text after its front matter", "hint: write the text"],
    ),
    ("empty chapter file", chapter(""), None, ["01-a.md:1", "the chapter file is empty"]),
    (
        "control character",
        chapter("---\npanelist: 甲\ntitle: 乙\n---\n\n正文\x07有铃。\n"),
        None,
        ["01-a.md:6", "control character, U+0007, at column 3"],
    ),
    (
        "a character no font has",
        chapter("---\npanelist: 甲\ntitle: 乙\n---\n\n第一段。\n\n笑\U0001f600了。\n"),
        None,
        ["01-a.md:8", "U+1F600", "is not in the font", "hint:"],
    ),
    (
        "image from the network",
        chapter(
            "---\npanelist: 甲\ntitle: 乙\n---\n\n第一段。\n\n![图](https://example.com/a.png)\n"
        ),
        None,
        ["01-a.md:8", "https: reference", "hint: copy the file into the book folder"],
    ),
    (
        "file url elsewhere",
        chapter("---\npanelist: 甲\ntitle: 乙\n---\n\n![图](file:///etc/hostname)\n"),
        None,
        ["01-a.md:6", "file: reference"],
    ),
    (
        "reference leaving the book",
        chapter("---\npanelist: 甲\ntitle: 乙\n---\n\n正文。\n\n见[附录](../secret.md)。\n"),
        None,
        ["01-a.md:8", "'../secret.md' leaves the book folder"],
    ),
]


@pytest.mark.parametrize(
    ("chapters", "yaml_text", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_manuscript_exit_2_clear_message_dist_untouched(
    tmp_path, chapters, yaml_text, expected
):
    book = tmp_path / "book"
    if chapters is None:
        book.mkdir()
    else:
        write_book(book, chapters=chapters, yaml_text=yaml_text)
    (tmp_path / "outside.md").write_text(GOOD, encoding="utf-8")
    dist = tmp_path / "dist"
    previous = plant_previous_editions(dist)
    result = run("--book", str(book), "--out", str(dist))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    for phrase in expected:
        assert phrase in result.stderr, (phrase, result.stderr)
    for path, data in previous.items():
        assert path.read_bytes() == data
    assert sorted(dist.iterdir()) == sorted(previous)


def test_chapter_that_is_not_utf8_names_file_and_line(tmp_path):
    book = write_book(tmp_path / "book", chapters=chapter(GOOD))
    (book / "01-a.md").write_bytes("---\npanelist: 甲\ntitle: 乙\n---\n\n正文\n".encode("gb18030"))
    dist = tmp_path / "dist"
    previous = plant_previous_editions(dist)
    result = run("--book", str(book), "--out", str(dist))
    assert result.returncode == 2
    assert "01-a.md:2: not UTF-8 text" in result.stderr
    assert "hint: save the file as UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
    for path, data in previous.items():
        assert path.read_bytes() == data


def test_check_command_exits_2_when_it_cannot_run(tmp_path):
    result = run("check", "--book", str(tmp_path / "nope"), "--out", str(tmp_path / "dist"))
    assert result.returncode == 2
    assert "book folder does not exist" in result.stderr and "Traceback" not in result.stderr
    book = write_book(tmp_path / "book")
    result = run("check", "--book", str(book), "--out", str(tmp_path / "dist"))
    assert result.returncode == 2
    assert "does not exist; build first" in result.stderr


def test_a_chapter_symlinked_to_a_file_outside_the_book_is_refused(tmp_path):
    book = write_book(tmp_path / "book", chapters=chapter(GOOD))
    (tmp_path / "secret.md").write_text(GOOD, encoding="utf-8")
    (book / "01-a.md").unlink()
    (book / "01-a.md").symlink_to(tmp_path / "secret.md")
    previous = plant_previous_editions(tmp_path / "dist")
    result = run("--book", str(book), "--out", str(tmp_path / "dist"))
    assert result.returncode == 2
    assert "book.yaml:" in result.stderr and "'01-a.md' leaves the book folder" in result.stderr
    for path, data in previous.items():
        assert path.read_bytes() == data
