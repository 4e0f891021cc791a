"""Two builds into one dist/ at once both finish with valid editions; a build killed while it
renders leaves the previous editions exactly as they were."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import EPOCH, ROOT, write_book
from zhpress.checks import run as check
from zhpress.editions.paths import edition_paths
from zhpress.manuscript.load import load_book


def start_build(book: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--book", str(book), "--out", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
        start_new_session=True,  # its own process group, so a kill reaches nothing else
    )


def test_two_builds_at_once_into_the_same_dist_both_finish_with_valid_files(tmp_path):
    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    builds = [start_build(book, out, "--force") for _ in range(2)]
    results = [(b.communicate(timeout=600)[1], b.returncode) for b in builds]
    for stderr, code in results:
        assert code == 0, stderr
        assert "checks: " in stderr and "0 error(s)" in stderr  # each checked what it wrote
    paths = edition_paths(load_book(book), out)
    findings = check.run_checks(load_book(book), paths, check.FAST_CHECKS)
    assert [f for f in findings if f.severity != check.OK] == []
    assert not list(out.glob(".*.part")), list(out.iterdir())
    state = json.loads((out / ".zhpress-state.json").read_text(encoding="utf-8"))
    assert isinstance(state, dict)


def test_a_build_killed_while_rendering_leaves_the_previous_editions(tmp_path):
    book = write_book(tmp_path / "book")
    out = tmp_path / "dist"
    out.mkdir()
    paths = edition_paths(load_book(book), out)
    previous = {}
    for edition, path in paths.items():
        previous[edition] = f"the previous {edition} edition\n".encode()
        path.write_bytes(previous[edition])
    build = start_build(book, out, "--force")
    deadline = time.monotonic() + 120
    while not list(out.glob(".*.part")):
        assert build.poll() is None, build.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.3)  # well inside WeasyPrint's layout of the reader edition
    assert build.poll() is None
    rendering = list(out.glob(".*.part"))
    os.killpg(build.pid, signal.SIGKILL)
    build.wait(timeout=60)
    assert build.returncode == -signal.SIGKILL
    assert rendering, "the kill came after rendering"
    for edition, path in paths.items():
        assert path.read_bytes() == previous[edition], edition
    # The temporary file stays (nothing runs after SIGKILL); `check` points it out.
    leftovers = check.check_leftovers(check.Outputs(load_book(book), paths))
    assert [f.severity for f in leftovers] == [check.WARNING]
    assert "interrupted build" in leftovers[0].message
    # The next build replaces them whole.
    again = start_build(book, out, "--force")
    stderr = again.communicate(timeout=600)[1]
    assert again.returncode == 0, stderr
    for edition, path in paths.items():
        assert path.read_bytes() != previous[edition], edition
