#!/usr/bin/env python3
"""Time a full build (three editions, checks on) of one chapter of 100 KB up to 1 MB, and of
a 1 MB paragraph and a 64 KB lede, to show that time grows linearly with the manuscript.

The chapter repeats the seed's paragraphs; the paragraph joins them into one; the lede is
the same text in book.yaml. Each build is run in a fresh process (``build.py --force``), as
an editor runs it, and its wall-clock and CPU time are printed; CPU time is what to compare
on a shared machine. Issue 13's bar: the 1 MB chapter in under 30 s, and at most 12 times
the 100 KB chapter.

    python benchmarks/chapter_scaling.py [--quick]    (--quick: 100 KB and 1 MB only)
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_CHAPTER = ROOT / "book" / "01-xu-yusen.md"
HEAD = "---\npanelist: 王小明\ntitle: 第一篇\n---\n\n"


def _paragraphs() -> list[str]:
    body = SEED_CHAPTER.read_text(encoding="utf-8").split("---", 2)[2]
    return [p.strip() for p in body.split("\n\n") if p.strip()]


def _fill(size: int) -> list[str]:
    """Seed paragraphs, repeated, until they make ``size`` bytes of UTF-8."""
    paragraphs, out, total = _paragraphs(), [], 0
    while total < size:
        paragraph = paragraphs[len(out) % len(paragraphs)]
        out.append(paragraph)
        total += len(paragraph.encode("utf-8")) + 2
    return out


def make_book(root: Path, kind: str, size: int) -> Path:
    root.mkdir(parents=True)
    lede, chapter = "导语一段。", "正文一段。"
    if kind == "chapter":
        chapter = "\n\n".join(_fill(size))
    elif kind == "paragraph":
        chapter = "".join(_fill(size))
    elif kind == "lede":
        lede = "".join(_fill(size))[: size // 3]
    (root / "01-a.md").write_text(HEAD + chapter + "\n", encoding="utf-8")
    (root / "book.yaml").write_text(
        f"title: 测试书名\nkicker: 引题\nmoderator: 张三\nlede: |\n  {lede}\n"
        "chapters:\n  - 01-a.md\n",
        encoding="utf-8",
    )
    return root


def timed_build(book: Path, out: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the build and its children, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--book", str(book), "--out", str(out),
         "--force"],
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
        check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode:
        print(done.stderr[-2000:], file=sys.stderr)
    return wall, cpu, done.returncode


def main() -> int:
    quick = "--quick" in sys.argv
    cases = [("chapter", 100_000), ("chapter", 1_000_000)]
    if not quick:
        cases[1:1] = [("chapter", 300_000)]
        cases += [("paragraph", 1_000_000), ("lede", 64_000)]
    tmp = Path(tempfile.mkdtemp(prefix="zhpress-scaling-"))
    print(f"{'input':>18} {'wall s':>8} {'cpu s':>8} {'exit':>5}")
    times: dict[tuple[str, int], tuple[float, float]] = {}
    for kind, size in cases:
        book = make_book(tmp / f"{kind}-{size}", kind, size)
        wall, cpu, code = timed_build(book, tmp / f"{kind}-{size}-dist")
        times[(kind, size)] = (wall, cpu)
        print(f"{kind + ' ' + str(size // 1000) + ' KB':>18} {wall:8.1f} {cpu:8.1f} {code:5d}")
    small, big = times[("chapter", 100_000)], times[("chapter", 1_000_000)]
    print(
        f"\n1 MB / 100 KB chapter: {big[0] / small[0]:.1f}x wall, {big[1] / small[1]:.1f}x CPU "
        f"(bar: at most 12x); 1 MB chapter: {big[0]:.1f} s wall (bar: under 30 s)"
    )
    print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
