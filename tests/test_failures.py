"""Every failure is a message (issue 13): a disk that refuses is exit 2 with the path and what
to do, the temporary files removed and the previous editions untouched; a bug of ours is one
line, a log file with the traceback, and exit 70.

Root bypasses permissions, so the faults are real ones root cannot bypass: a file where the
output folder should be, a folder where an edition should be, a file-size limit (EFBIG), a
full tmpfs (ENOSPC), a read-only bind mount (EROFS), and /dev/full as standard output.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EPOCH, ROOT, SEED, write_book
from zhpress import cli
from zhpress.editions.paths import edition_paths
from zhpress.manuscript.load import load_book


def run(*args: str, limit_bytes: int | None = None, stdout=subprocess.PIPE, cache: Path):
    def limit() -> None:  # in the child, before exec: a file-size limit, SIGXFSZ ignored
        if limit_bytes is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        timeout=300,
        preexec_fn=limit,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "ZHPRESS_CACHE_DIR": str(cache)},
    )


def previous_editions(book: Path, out: Path) -> dict[Path, bytes]:
    """Stand-ins for a previous good set, so 'untouched' can be compared byte for byte."""
    out.mkdir(parents=True, exist_ok=True)
    kept = {}
    for edition, path in edition_paths(load_book(book), out).items():
        kept[path] = f"previous {edition}\n".encode()
        path.write_bytes(kept[path])
    return kept


def assert_clean_failure(result, out: Path, kept: dict[Path, bytes], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert "hint:" in result.stderr  # what to do
    for path, data in kept.items():
        assert path.read_bytes() == data, path
    leftovers = [p.name for p in out.iterdir() if p.name.endswith(".part")]
    assert leftovers == []


def test_a_file_in_place_of_the_output_folder_is_exit_2_naming_it(tmp_path):
    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    out.write_text("not a folder\n")
    result = run("--book", str(book), "--out", str(out), cache=tmp_path / "cache")
    assert result.returncode == 2, result.stderr
    assert f"{out}: a file is in the way where a folder should be" in result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_text() == "not a folder\n"


def test_a_folder_in_place_of_an_edition_is_refused_before_anything_is_replaced(tmp_path):
    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    kept = previous_editions(book, out)
    reader = edition_paths(load_book(book), out)["reader"]
    reader.unlink()
    del kept[reader]
    reader.mkdir()
    result = run("--book", str(book), "--out", str(out), cache=tmp_path / "cache")
    assert_clean_failure(result, out, kept, str(reader), "a folder is where a file should be")


def test_a_file_size_limit_efbig_is_exit_2_and_leaves_the_previous_editions(tmp_path):
    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    kept = previous_editions(book, out)
    result = run(
        "--book", str(book), "--out", str(out), "--force",
        limit_bytes=100_000, cache=tmp_path / "cache",
    )  # fmt: skip
    assert_clean_failure(result, out, kept, "file too large", "ulimit")


def _mount(*args: str) -> bool:
    done = subprocess.run(["mount", *args], capture_output=True, check=False)
    return done.returncode == 0


def test_a_full_disk_enospc_is_exit_2_naming_the_folder(tmp_path):
    book = write_book(tmp_path / "book")
    out = tmp_path / "small-disk"
    out.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=150k", "tmpfs", str(out)):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount permission)")
    try:
        kept = previous_editions(book, out)
        result = run("--book", str(book), "--out", str(out), "--force", cache=tmp_path / "c")
        assert_clean_failure(result, out, kept, str(out), "no space left")
    finally:
        subprocess.run(["umount", str(out)], check=False)


def test_a_read_only_output_folder_is_exit_2(tmp_path):
    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    kept = previous_editions(book, out)
    if not _mount("--bind", "-o", "ro", str(out), str(out)):
        pytest.skip("cannot bind-mount a folder read-only here (needs root and mount)")
    try:
        result = run("--book", str(book), "--out", str(out), "--force", cache=tmp_path / "c")
        assert_clean_failure(result, out, kept, str(out), "read-only")
    finally:
        subprocess.run(["umount", str(out)], check=False)


def test_standard_output_on_a_full_device_is_exit_2_without_a_traceback(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        result = run(
            "import", str(SEED), "--out", str(tmp_path / "draft"), "--report",
            stdout=full, cache=tmp_path / "cache",
        )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "error: standard output: no space left" in result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


def test_a_bug_of_ours_is_one_line_a_log_file_and_exit_70(tmp_path, monkeypatch, capsys):
    def planted(*args, **kwargs):
        raise ValueError("planted bug for the test")

    monkeypatch.setattr("zhpress.editions.pdf.write_reader", planted)
    monkeypatch.setenv("ZHPRESS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    kept = previous_editions(book, out)
    code = cli.main(["build", "--book", str(book), "--out", str(out), "--jobs", "1", "--force"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 70
    message = err[-1]
    assert message.startswith("error: a bug in zhpress (ValueError: planted bug for the test)")
    assert "Traceback" not in "\n".join(err)
    logs = list((tmp_path / "cache" / "crash").glob("zhpress-crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in message
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in text and "planted bug for the test" in text and "def planted" not in err
    for path, data in kept.items():
        assert path.read_bytes() == data
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_a_bug_in_a_forked_edition_is_exit_70_too(tmp_path, monkeypatch, capsys):
    from zhpress.editions import epub

    def planted(*args, **kwargs):
        raise KeyError("planted in the press child")

    monkeypatch.setattr("zhpress.editions.pdf.write_press", planted)
    monkeypatch.setenv("ZHPRESS_CACHE_DIR", str(tmp_path / "cache"))
    assert epub  # the EPUB is written by this process while the press child fails
    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    code = cli.main(["build", "--book", str(book), "--out", str(out), "--jobs", "3"])
    err = capsys.readouterr().err
    assert code == 70, err
    assert "error: a bug in zhpress" in err and "Traceback" not in err
    log = next((tmp_path / "cache" / "crash").glob("*.log")).read_text(encoding="utf-8")
    assert "planted in the press child" in log and "Traceback" in log
    assert not [p for p in out.iterdir() if p.suffix in (".pdf", ".epub")]
