"""``watch``: an edit is rebuilt, the reader first; a broken manuscript prints its error and
watching goes on; fixing it rebuilds."""

from __future__ import annotations

import io

from tests.conftest import write_book
from zhpress.builder.progress import Progress
from zhpress.builder.watch import watch
from zhpress.editions.paths import edition_paths
from zhpress.manuscript.load import load_book


def test_watch_rebuilds_edits_reader_first_and_survives_a_broken_manuscript(tmp_path, capsys):
    from pypdf import PdfReader

    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    chapter = book / "01-a.md"
    yaml_path = book / "book.yaml"
    good_yaml = yaml_path.read_text(encoding="utf-8")
    log = io.StringIO()
    seen: dict[str, str] = {}

    def reader_text() -> str:
        path = edition_paths(load_book(book), out)["reader"]
        return "".join(page.extract_text() for page in PdfReader(path).pages)

    calls = 0

    def script() -> bool:
        """Called before every poll: each call makes the next edit once the last is built."""
        nonlocal calls
        calls += 1
        if calls == 1:
            chapter.write_text(chapter.read_text(encoding="utf-8") + "\n三段。\n", "utf-8")
        elif calls == 2:
            seen["after edit"] = reader_text()
            yaml_path.write_text(good_yaml + "title: [\n", encoding="utf-8")
        elif calls == 3:
            yaml_path.write_text(good_yaml.replace("测试书名", "测试书名二"), encoding="utf-8")
        return False

    code = watch(
        book,
        out,
        only=("epub", "reader"),
        rounds=3,
        stop=script,
        poll=0.01,
        progress=lambda: Progress(log, tty=False, quiet_seconds=0),
    )
    assert code == 0
    assert "三段" in seen["after edit"]
    err = capsys.readouterr().err
    assert "book.yaml" in err and "error:" in err  # the broken manuscript, named
    lines = log.getvalue().splitlines()
    built = [line.split("]")[0][1:] for line in lines if "written in" in line]
    # First build, the edit, then the fixed book: the reader leads every round.
    assert built == ["reader", "epub"] * 3
    assert "[reader] layout" in lines
    assert edition_paths(load_book(book), out)["reader"].name.endswith(".pdf")


def test_a_save_wakes_the_watcher_at_once(tmp_path):
    """On Linux the kernel reports the save: no polling delay, no CPU while idle."""
    import sys
    import threading
    import time

    import pytest

    from zhpress.builder.watch import Inotify

    if not sys.platform.startswith("linux"):
        pytest.skip("inotify is Linux only; elsewhere watch polls")
    (tmp_path / "sub").mkdir()
    notify = Inotify([tmp_path])
    try:
        assert notify.wait(0.05) is False  # nothing happened
        timer = threading.Timer(0.1, (tmp_path / "sub" / "a.md").write_text, ["改"])
        timer.start()
        started = time.perf_counter()
        assert notify.wait(5) is True
        assert time.perf_counter() - started < 1
        timer.join()
    finally:
        notify.close()


def test_sigterm_ends_the_watch_cleanly(tmp_path):
    """Editors' tools stop a watcher with SIGTERM: it ends like Ctrl-C, its temporary folder
    removed, with the conventional exit status 143."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    book = write_book(tmp_path / "book")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    command = [sys.executable, str(ROOT / "build.py"), "watch", "--book", str(book)]
    proc = subprocess.Popen(
        [*command, "--out", str(tmp_path / "dist"), "--only", "reader"],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    reader = tmp_path / "dist"
    while not any(reader.glob("*.pdf")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert any(reader.glob("*.pdf")), proc.stderr.read() if proc.poll() is not None else ""
    assert any(scratch.iterdir())  # the watcher's own temporary folder, in use
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143
    assert list(scratch.iterdir()) == []


def test_a_bug_during_a_rebuild_is_one_line_and_the_watch_goes_on(tmp_path, monkeypatch, capsys):
    """Was "error: unexpected failure" and a traceback; now the one line of every bug (its
    traceback in a log file), and the next save builds again."""
    from zhpress.builder import watch as watching

    monkeypatch.setenv("ZHPRESS_CACHE_DIR", str(tmp_path / "cache"))
    book = write_book(tmp_path / "book")
    real = watching.build
    calls = []

    def buggy_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise ZeroDivisionError("planted in a rebuild")
        return real(*args, **kwargs)

    monkeypatch.setattr(watching, "build", buggy_once)
    out = tmp_path / "dist"
    assert watching.rebuild(book, out, ("epub",)) is False
    err = capsys.readouterr().err
    assert "error: a bug in zhpress (ZeroDivisionError: planted in a rebuild)" in err
    assert "Traceback" not in err
    assert list((tmp_path / "cache" / "crash").glob("*.log"))
    assert watching.rebuild(book, out, ("epub",)) is True
