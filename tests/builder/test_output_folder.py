"""The editions of one build are one set, and an output folder holds one book (issue 13):
a set that fails its checks never replaces the previous one (it is kept in ``rejected/``);
another book is not built into a folder without ``--force``; a book outside the project
builds into its own ``dist/``; builds into one folder take turns."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import EPOCH, ROOT, write_book
from zhpress.builder import output_folder
from zhpress.builder.pipeline import build
from zhpress.builder.progress import Progress
from zhpress.checks import run as checks
from zhpress.checks.outputs import ERROR, Finding
from zhpress.editions.paths import edition_paths
from zhpress.errors import BookError, ChecksFailed
from zhpress.manuscript.load import load_book


def _quiet() -> Progress:
    return Progress(io.StringIO(), tty=False)


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".pdf", ".epub")}


def _edit(book: Path) -> None:
    chapter = book / "01-a.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n新加的一段。\n", encoding="utf-8")


def test_a_set_that_fails_its_checks_is_kept_in_rejected_and_the_good_set_stays(
    tmp_path, monkeypatch, capsys
):
    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    build(book, out, jobs=1, progress=_quiet())
    good = _files(out)
    assert len(good) == 3

    def epub_says_no(outputs) -> list[Finding]:  # a check that finds an error in the EPUB
        return [Finding("epub", "planted", ERROR, "the EPUB is refused for the test")]

    monkeypatch.setattr(checks, "FAST_CHECKS", [*checks.FAST_CHECKS, epub_says_no])
    _edit(book)
    with pytest.raises(ChecksFailed) as failed:
        build(book, out, jobs=1, progress=_quiet())
    message = str(failed.value)
    assert failed.value.exit_code == 1
    assert _files(out) == good  # not one of the set replaced, not even the PDFs that passed
    rejected = out / "rejected"
    assert f"kept in {rejected}/" in message and f"previous ones in {out}/" in message
    new = _files(rejected)
    assert sorted(new) == sorted(good) and all(new[name] != good[name] for name in good)
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]
    # The rejected reader PDF is whole and has the new paragraph.
    reader = rejected / edition_paths(load_book(book), Path())["reader"].name
    found = checks.run_checks(load_book(book), {"reader": reader}, [checks.check_text])
    assert [f.severity for f in found] == ["ok"]

    # --no-check keeps today's behaviour: the set replaces the previous one unchecked.
    build(book, out, jobs=1, run_checks=False, force=True, progress=_quiet())
    assert _files(out) != good
    # A set that passes makes the rejected copies obsolete.
    monkeypatch.setattr(checks, "FAST_CHECKS", checks.FAST_CHECKS[:-1])
    build(book, out, jobs=1, force=True, progress=_quiet())
    assert not rejected.exists()


def test_another_book_is_not_built_into_a_folder_without_force(tmp_path):
    first = write_book(tmp_path / "first")
    second = write_book(tmp_path / "second")  # same title, so the same file names
    out = tmp_path / "dist"
    build(first, out, only=["epub"], progress=_quiet())
    before = _files(out)
    with pytest.raises(BookError) as refused:
        build(second, out, only=["epub"], progress=_quiet())
    assert refused.value.exit_code == 2
    assert str(first) in str(refused.value) and str(second) in str(refused.value)
    assert "--force" in str(refused.value)
    assert _files(out) == before
    build(second, out, only=["epub"], force=True, progress=_quiet())
    assert output_folder.recorded_book(out) == second.resolve()


def test_without_out_a_book_outside_the_project_builds_into_its_own_dist(tmp_path):
    assert output_folder.default_out(Path("book"), cwd=ROOT) == ROOT / "dist"
    other = write_book(tmp_path / "other")
    assert output_folder.default_out(other, cwd=ROOT) == other / "dist"
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    command = [sys.executable, str(ROOT / "build.py"), "--book", str(other), "--only", "epub"]
    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    epub_name = edition_paths(load_book(other), Path())["epub"].name
    assert sorted(_files(other / "dist")) == [epub_name]
    # Its dist/ is not one of the book's inputs: the next build has nothing to do.
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "built 0 of 1" in again.stderr, again.stderr


def test_a_second_build_into_the_same_folder_waits_with_a_message(tmp_path):
    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    command = [sys.executable, str(ROOT / "build.py"), "--book", str(book), "--out", str(out)]
    with output_folder.build_lock(out):
        proc = subprocess.Popen(
            [*command, "--only", "epub"], cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        line = proc.stderr.readline()
        assert line.startswith(f"waiting: another build is writing into {out}"), line
        assert f": process {os.getpid()} (since " in line  # the holder, named
        time.sleep(0.3)
        assert proc.poll() is None and not _files(out)  # still waiting, nothing written
    rest = proc.communicate(timeout=120)[1]
    assert proc.returncode == 0, rest
    assert len(_files(out)) == 1


HOLD = """
import sys
from pathlib import Path
from zhpress.builder.output_folder import build_lock
with build_lock(Path(sys.argv[1]), Path(sys.argv[2])):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def test_with_no_wait_a_second_build_is_refused_naming_the_holder(tmp_path):
    """Two processes: one holds the folder (as a build does, from its first write to its
    last rename), the other is a real build with --no-wait: exit 2 at once, naming the
    holder's process and book, nothing written. Once the holder lets go, its note is gone
    and the same command builds."""
    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out), str(book)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "holding\n"
        command = [sys.executable, str(ROOT / "build.py"), "--book", str(book), "--out", str(out)]
        started = time.monotonic()
        refused = subprocess.run(
            [*command, "--only", "epub", "--no-wait"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert refused.returncode == 2, refused.stderr
        assert time.monotonic() - started < 30  # refused, not waited
        assert refused.stderr.startswith(f"error: {out}: another build is writing into this")
        assert f"process {holder.pid} building {book.resolve()} (since " in refused.stderr
        assert "Traceback" not in refused.stderr and not _files(out)
    finally:
        holder.communicate("\n", timeout=30)
    assert holder.returncode == 0
    assert not (out / output_folder.HOLDER_FILE).exists()
    built = subprocess.run(
        [*command, "--only", "epub", "--no-wait"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    assert len(_files(out)) == 1 and not (out / output_folder.HOLDER_FILE).exists()


def test_two_books_forced_into_one_folder_at_once_check_only_their_own_files(tmp_path):
    """Before the lock, one build's checks read the other's EPUB (2 runs in 6 failed)."""
    books = [write_book(tmp_path / "a"), write_book(tmp_path / "b")]
    chapter = books[1] / "02-b.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n另一本书。\n", encoding="utf-8")
    out = tmp_path / "dist"
    command = [sys.executable, str(ROOT / "build.py"), "--out", str(out), "--force"]
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    procs = [
        subprocess.Popen(
            [*command, "--book", str(b), "--only", "epub", "--only", "reader"],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for b in books
    ]
    for proc in procs:
        err = proc.communicate(timeout=300)[1]
        assert proc.returncode == 0, err
        assert "0 error(s)" in err
