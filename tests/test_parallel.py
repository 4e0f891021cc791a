"""The processes a build forks: a one-edition build forks its renderer first thing and stops
it when it is not needed; no process leaves temporary files behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import BOOK, ROOT, write_book

# Runs ``build.py``'s command line in a fresh interpreter and reports what the standby
# renderer did: forked (its pid), given the job, or stopped, and whether it was reaped.
DRIVER = textwrap.dedent(
    """
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    from zhpress import parallel
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
        "import zhpress.parallel, zhpress.pdfwrite, zhpress.fetch, zhpress.weasy, zhpress.cache; "
        "print(' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, timeout=60
    )
    loaded = result.stdout.split()
    for heavy in ("yaml", "markdown", "jinja2", "zhpress.manuscript", "zhpress.compose"):
        assert heavy not in loaded, heavy
