"""The build as an editor runs it: editions in parallel processes, nothing rebuilt when
nothing changed, progress that reads well in a terminal and in a CI log."""

from __future__ import annotations

import io

import pytest

from tests.conftest import write_book
from zhpress.builder.pipeline import build
from zhpress.builder.progress import Progress
from zhpress.editions.paths import edition_paths
from zhpress.errors import BookError
from zhpress.manuscript.load import load_book


def _quiet() -> Progress:
    return Progress(io.StringIO(), tty=False)


def test_parallel_build_writes_the_same_bytes_as_one_by_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book = write_book(tmp_path / "book")
    build(book, tmp_path / "serial", jobs=1, run_checks=False, progress=_quiet())
    build(book, tmp_path / "parallel", jobs=3, run_checks=False, progress=_quiet())
    serial = edition_paths(load_book(book), tmp_path / "serial")
    parallel = edition_paths(load_book(book), tmp_path / "parallel")
    for edition in ("reader", "press", "epub"):
        assert serial[edition].read_bytes() == parallel[edition].read_bytes(), edition


def test_an_unchanged_book_is_not_rebuilt_and_a_changed_one_is(tmp_path):
    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    build(book, out, only=["epub"], progress=_quiet())
    epub = edition_paths(load_book(book), out)["epub"]
    first = epub.stat().st_mtime_ns
    log = io.StringIO()
    build(book, out, only=["epub"], progress=Progress(log, tty=False))
    assert "[epub] up to date" in log.getvalue()
    assert epub.stat().st_mtime_ns == first
    chapter = book / "01-a.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n新加一段。\n", encoding="utf-8")
    log = io.StringIO()
    build(book, out, only=["epub"], progress=Progress(log, tty=False))
    assert "[epub] written in" in log.getvalue()
    assert epub.stat().st_mtime_ns != first


def test_an_error_in_a_forked_edition_stops_the_build_and_writes_nothing(tmp_path):
    """The press edition fails in its child process; the parent raises the same error, with
    file and line, and leaves no edition (not even the reader that succeeded) half-updated."""
    book = write_book(tmp_path / "book")
    yaml_path = book / "book.yaml"
    yaml_path.write_text(
        yaml_path.read_text(encoding="utf-8") + "press:\n  icc: missing.icc\n", encoding="utf-8"
    )
    out = tmp_path / "dist"
    with pytest.raises(BookError) as caught:
        build(book, out, jobs=3, progress=_quiet())
    assert "missing.icc" in str(caught.value)
    assert caught.value.path == yaml_path
    assert not out.exists() or not [p for p in out.iterdir() if p.suffix in (".pdf", ".epub")]


def test_progress_in_a_pipe_is_plain_lines_once_the_build_is_slow():
    log = io.StringIO()
    progress = Progress(log, tty=False, quiet_seconds=0)
    progress.start("reader", "dist/book.pdf")
    progress.stage("reader", "layout")
    progress.done("reader", 1.5, "dist/book.pdf")
    progress.finish("built 1 of 1 edition(s) in 1.60 s")
    lines = log.getvalue().splitlines()
    assert lines == [
        "[reader] building dist/book.pdf",
        "[reader] layout",
        "[reader] written in 1.50 s: dist/book.pdf",
        "built 1 of 1 edition(s) in 1.60 s",
    ]
    assert "\x1b" not in log.getvalue()


def test_a_fast_build_prints_no_stages():
    log = io.StringIO()
    progress = Progress(log, tty=False, quiet_seconds=60)
    progress.start("epub", "dist/book.epub")
    progress.stage("epub", "cover")
    progress.done("epub", 0.1, "dist/book.epub")
    assert log.getvalue().splitlines() == ["[epub] written in 0.10 s: dist/book.epub"]


def test_progress_on_a_terminal_is_one_line_per_edition_redrawn_in_place():
    log = io.StringIO()
    progress = Progress(log, tty=True, quiet_seconds=0)
    progress.start("reader", "r.pdf")
    progress.start("press", "p.pdf")
    progress.stage("reader", "layout")
    progress.stage("press", "write")
    progress.done("reader", 1.2, "r.pdf")
    text = log.getvalue()
    assert "\x1b[" in text  # the block is redrawn, not appended
    assert "  press   write" in text
    assert "[reader] written in 1.20 s: r.pdf" in text
    assert "[reader] layout" not in text  # no per-stage lines on a terminal


def test_a_long_book_lays_out_one_print_edition_at_a_time(tmp_path, monkeypatch):
    """Two WeasyPrint processes of a 300-page book would hold more than 1 GB together."""
    import zhpress.builder.writing as writing

    monkeypatch.setattr(writing, "LONG_BOOK_CHARS", 10)
    book = write_book(tmp_path / "book")
    log = io.StringIO()
    build(book, tmp_path / "dist", jobs=3, progress=Progress(log, tty=False, quiet_seconds=0))
    lines = log.getvalue().splitlines()
    reader_done = next(i for i, line in enumerate(lines) if line.startswith("[reader] written"))
    press_start = next(i for i, line in enumerate(lines) if line.startswith("[press] building"))
    assert reader_done < press_start
    paths = edition_paths(load_book(book), tmp_path / "dist")
    assert all(path.stat().st_size > 0 for path in paths.values())


def test_one_print_edition_laid_out_by_a_child_is_the_same_file(tmp_path):
    """``--only reader`` in a fresh process: a child imports WeasyPrint while the parent
    composes. The file is the one the parent alone would write."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    book = write_book(tmp_path / "book")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    command = [sys.executable, str(ROOT / "build.py"), "--book", str(book), "--only", "reader"]
    for jobs in ("1", "2"):
        subprocess.run(
            [*command, "--out", str(tmp_path / f"j{jobs}"), "--jobs", jobs, "--no-check"],
            check=True,
            capture_output=True,
            env=env,
        )
    one = edition_paths(load_book(book), tmp_path / "j1")["reader"]
    two = edition_paths(load_book(book), tmp_path / "j2")["reader"]
    assert one.read_bytes() == two.read_bytes()


def test_when_no_process_can_be_forked_the_editions_are_written_here(tmp_path, monkeypatch):
    import os

    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    book = write_book(tmp_path / "book")
    build(book, tmp_path / "dist", jobs=3, run_checks=False, progress=_quiet())
    paths = edition_paths(load_book(book), tmp_path / "dist")
    assert all(path.stat().st_size > 0 for path in paths.values())


def test_a_killed_builds_temporary_file_is_removed_by_the_next_build(tmp_path):
    """A SIGKILL leaves '.NAME.PID.XXXX.part'; the next write of NAME removes it when that
    process is gone, and leaves a live process's file alone (a build running at once)."""
    import subprocess
    import sys

    from zhpress.builder.writing import atomic_output

    target = tmp_path / "book.pdf"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f".book.pdf.{dead.stdout.strip()}.abcd.part"
    stale.write_bytes(b"half")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = tmp_path / f".book.pdf.{sleeper.pid}.efgh.part"
        live.write_bytes(b"in progress")
        with atomic_output(target) as tmp:
            tmp.write_bytes(b"whole")
        assert target.read_bytes() == b"whole"
        assert not stale.exists()
        assert live.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_builds_finishing_at_once_keep_each_others_state(tmp_path):
    """Each process records its own edition many times while the others do the same; no
    entry may be lost to a read-modify-write race."""
    import subprocess
    import sys

    from conftest import ROOT

    from zhpress.builder import state

    out = tmp_path / "dist"
    out.mkdir()
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from pathlib import Path; from zhpress.builder import state;"
        "out = Path(sys.argv[2]); target = out / (sys.argv[3] + '.bin');"
        "target.write_bytes(sys.argv[3].encode());"
        "[state.record(out, sys.argv[3], target, str(i)) for i in range(60)]"
    )
    editions = ["reader", "press", "epub", "extra"]
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(ROOT), str(out), e]) for e in editions
    ]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    data = state.load(out)
    assert sorted(data) == sorted(editions)
    assert all(data[e]["fingerprint"] == "59" for e in editions)


def test_a_no_op_build_loads_nothing_it_does_not_need(tmp_path):
    """Nothing changed: no composing, no preflight, no checks (they were done when the
    editions were written), so a no-op build stays a fraction of a second."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    driver = (
        "import sys; sys.path.insert(0, sys.argv[1]); from zhpress.cli import main; "
        "code = main(sys.argv[2:]); "
        "print(code, sorted(m for m in sys.modules if m.startswith(('zhpress.', 'weasyprint'))))"
    )
    args = [sys.executable, "-c", driver, str(ROOT), "--book", str(book), "--out", str(out)]
    first = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert first.stdout.startswith("0 "), first.stderr
    again = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert again.stdout.startswith("0 "), again.stderr
    loaded = again.stdout.split(" ", 1)[1]
    heavies = (
        "zhpress.editions.pdf",
        "zhpress.checks.run",
        "zhpress.editions.epub",
        "zhpress.typeset.compose",
        "weasyprint",
    )
    for heavy in heavies:
        assert f"'{heavy}'" not in loaded, heavy
    assert "up to date" in again.stderr
