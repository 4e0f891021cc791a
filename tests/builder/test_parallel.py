"""The processes a build forks: a one-edition build forks its renderer first thing and stops
it when it is not needed; no process leaves temporary files behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import BOOK, ROOT, write_book
from zhpress.manuscript.load import load_book

# Runs ``build.py``'s command line in a fresh interpreter and reports what the standby
# renderer did: forked (its pid), given the job, or stopped, and whether it was reaped.
DRIVER = textwrap.dedent(
    """
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    from zhpress.builder import parallel
    events = []
    fork, cancel, send = parallel.fork_renderer, parallel.Renderer.cancel, parallel.Renderer.send
    def forked(edition):
        renderer = fork(edition)
        events.append(["fork", edition, "weasyprint" in sys.modules])
        return renderer
    def cancelled(self):
        cancel(self)
        try:
            os.waitpid(self.child.pid, os.WNOHANG)
            events.append(["cancel", "left a child"])
        except ChildProcessError:
            events.append(["cancel", "reaped"])
    def sent(self, *args, **kwargs):
        events.append(["send"])
        return send(self, *args, **kwargs)
    parallel.fork_renderer = forked
    parallel.Renderer.cancel = cancelled
    parallel.Renderer.send = sent
    from zhpress.cli import main
    code = main(sys.argv[2:])
    print(json.dumps({"code": code, "events": events, "left": list(parallel._STANDBY)}))
    """
)


def drive(*args: str, env: dict[str, str] | None = None) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", DRIVER, str(ROOT), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=env,
    )
    assert result.stdout, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="needs fork")
def test_a_one_edition_build_forks_its_renderer_before_anything_else(tmp_path):
    out = tmp_path / "dist"
    first = drive("--only", "reader", "--out", str(out))
    assert first["code"] == 0
    # Forked before WeasyPrint was imported anywhere, then given the book.
    assert first["events"] == [["fork", "reader", False], ["send"]]
    assert (out / "foshan-xinxing-gongyehua-ruhe-chuangchuxinlu.pdf").stat().st_size > 0
    # Nothing changed: the renderer forked ahead is stopped and reaped, not left behind.
    again = drive("--only", "reader", "--out", str(out))
    assert again["code"] == 0
    assert again["events"] == [["fork", "reader", False], ["cancel", "reaped"]]
    assert again["left"] == []


@pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="needs fork")
def test_a_bad_manuscript_stops_the_renderer_forked_ahead(tmp_path):
    book = write_book(tmp_path / "book", yaml_text="title: [\n")
    result = drive("--only", "press", "--book", str(book), "--out", str(tmp_path / "dist"))
    assert result["code"] == 2
    assert result["events"] == [["fork", "press", False], ["cancel", "reaped"]]
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


def test_no_renderer_is_forked_ahead_for_a_whole_book_or_one_job(tmp_path):
    whole = drive("--only", "epub", "--out", str(tmp_path / "a"))
    assert whole["events"] == []
    one_job = drive("--only", "reader", "--jobs", "1", "--out", str(tmp_path / "b"))
    assert one_job["code"] == 0 and one_job["events"] == []


@pytest.mark.parametrize(
    "args",
    [(), ("--only", "reader"), ("--jobs", "1")],
    ids=["all editions", "one edition", "one job"],
)
def test_a_build_leaves_no_temporary_files(tmp_path, args):
    """WeasyPrint copies each font into a temporary folder that a forked process, which ends
    with os._exit, never removed: every build used to leave one in /tmp."""
    import shutil

    from zhpress.cache import ENV_DIR, cache_root

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    # The font subsets as an editor has them, but no cover yet: the EPUB renders it too.
    shutil.copytree(cache_root(), tmp_path / "cache", ignore=shutil.ignore_patterns("cover"))
    env = {**os.environ, "TMPDIR": str(scratch), ENV_DIR: str(tmp_path / "cache")}
    command = [sys.executable, str(ROOT / "build.py"), "--book", str(BOOK)]
    for _ in range(2):  # a build, then a no-op (whose renderer forked ahead is stopped)
        result = subprocess.run(
            [*command, "--out", str(tmp_path / "dist"), *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        assert list(scratch.iterdir()) == []


def test_the_renderer_child_imports_only_what_it_lays_out_with():
    """The forked renderer's own imports are on the critical path of a one-edition build:
    the fetcher and the layout step must not pull in the manuscript reader (YAML, Markdown,
    Jinja) or the composer."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import zhpress.builder.parallel, zhpress.editions.pdfwrite, "
        "zhpress.manuscript.references, zhpress.editions.weasy, zhpress.cache; "
        "print(' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, timeout=60
    )
    loaded = result.stdout.split()
    heavies = ("yaml", "markdown", "jinja2", "zhpress.manuscript.load", "zhpress.typeset.compose")
    for heavy in heavies:
        assert heavy not in loaded, heavy


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _no_children_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts /proc/self/fd")
def test_failed_children_are_reaped_and_their_pipes_closed(tmp_path, monkeypatch):
    """In watch, every failed round used to leak the pipe of each failed edition."""
    import io

    from zhpress.builder import writing
    from zhpress.builder.progress import Progress
    from zhpress.errors import BookError

    def failing(book, path, progress):
        raise BookError("planted failure")

    monkeypatch.setattr(
        writing, "_writers", lambda: {"reader": failing, "press": failing, "epub": failing}
    )
    book = load_book(write_book(tmp_path / "book"))
    temps = {e: tmp_path / f"{e}.part" for e in ("reader", "press", "epub")}
    writing.prepare_print(book)  # once, before counting: it opens the fonts for good
    before = _open_fds()
    for _ in range(5):
        with pytest.raises(BookError, match="planted"):
            writing.write_editions(book, temps, jobs=3, report=Progress(io.StringIO(), tty=False))
    assert _open_fds() == before
    assert _no_children_left()


def test_an_interrupted_build_stops_the_editions_still_being_written(tmp_path, monkeypatch):
    """Ctrl-C or SIGTERM (watch) while a forked edition is still writing: the child is
    stopped and reaped, not left writing beside a removed output."""
    import io
    import time

    from zhpress.builder import writing
    from zhpress.builder.progress import Progress

    def slow(book, path, progress):
        time.sleep(60)

    def interrupted(book, path, progress):
        raise KeyboardInterrupt

    monkeypatch.setattr(
        writing, "_writers", lambda: {"reader": slow, "press": slow, "epub": interrupted}
    )
    book = load_book(write_book(tmp_path / "book"))
    temps = {e: tmp_path / f"{e}.part" for e in ("reader", "press", "epub")}
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        writing.write_editions(book, temps, jobs=3, report=Progress(io.StringIO(), tty=False))
    assert time.perf_counter() - started < 30
    assert _no_children_left()


@pytest.mark.skipif(not hasattr(os, "fork") or (os.cpu_count() or 1) < 2, reason="needs fork")
def test_a_renderer_that_fails_to_start_reports_its_own_error(tmp_path):
    """The renderer forked ahead dies importing WeasyPrint (say, Pango missing): the build
    reports that, not a broken pipe from sending it the book."""
    driver = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[1])
        from zhpress.editions import weasy
        def broken():
            raise ImportError("planted: cannot load library 'libpango-1.0-0'")
        weasy.load = broken
        from zhpress.cli import main
        sys.exit(main(sys.argv[2:]))
        """
    )
    args = ["--only", "reader", "--force", "--out", str(tmp_path / "dist")]
    result = subprocess.run(
        [sys.executable, "-c", driver, str(ROOT), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode != 0
    assert "planted: cannot load library" in result.stderr
    assert "BrokenPipeError" not in result.stderr


def test_sigterm_stops_a_build_and_its_editions_cleanly(tmp_path):
    """A tool or CI stopping a build with SIGTERM: exit status 143, the forked editions
    stopped, no temporary output or folder left, the previous editions untouched."""
    import shutil
    import signal
    import time

    book = tmp_path / "book"
    shutil.copytree(BOOK, book)
    # Ten times the seed, so that the build is still writing when it is stopped.
    chapters = sorted(book.glob("0*.md"))
    for copy in range(1, 10):
        for chapter in chapters:
            text = chapter.read_text(encoding="utf-8")
            text = text.replace("\ntitle: ", f"\ntitle: 第{copy}辑", 1)
            (book / f"{copy:02d}-{chapter.name}").write_text(text, encoding="utf-8")
    yaml = (book / "book.yaml").read_text(encoding="utf-8")
    extra = "".join(f"  - {copy:02d}-{c.name}\n" for copy in range(1, 10) for c in chapters)
    (book / "book.yaml").write_text(yaml.rstrip("\n") + "\n" + extra, encoding="utf-8")
    out = tmp_path / "dist"
    out.mkdir()
    (out / "keep.txt").write_text("previous", encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--book", str(book), "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while not list(out.glob(".*.part")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(0.5)  # the editions are being laid out by now
    assert proc.poll() is None, "the build ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    assert "terminated" in proc.stderr.read()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".zhpress")) == [
        "keep.txt"
    ]
    assert list(scratch.iterdir()) == []
    time.sleep(0.5)
    left = []  # no forked edition of that build still running
    for entry in Path("/proc").iterdir():
        try:
            if str(out).encode() in (entry / "cmdline").read_bytes():
                left.append(entry.name)
        except OSError:
            continue
    assert left == []
