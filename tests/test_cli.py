import subprocess
import sys

from conftest import ROOT


def run(*args: str, cwd=ROOT):
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("build", "import", "check"):
        assert command in result.stdout


def test_unknown_command_exits_2_with_usage():
    result = run("frobnicate")
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "invalid choice" in result.stderr


def test_missing_book_folder_is_a_clear_error_without_traceback(tmp_path):
    result = run("--book", str(tmp_path / "nope"), "--out", str(tmp_path / "dist"))
    assert result.returncode == 2
    assert "book folder does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_jobs_must_be_at_least_one(tmp_path):
    for given in ("0", "-1", "two"):
        result = run("--book", str(tmp_path / "nope"), "--jobs", given)
        assert result.returncode == 2, given
        assert "argument --jobs/-j" in result.stderr and "Traceback" not in result.stderr
    assert "must be at least 1, not 0" in run("--jobs", "0").stderr
