#!/usr/bin/env python3
"""Measure build speed, memory and output sizes on the seed book, against their targets.

Every figure is the median of several runs, each in a fresh process, as an editor would run
them. The plain-WeasyPrint baseline runs in the same session so the ratio holds on a noisy
machine. Prints a table and writes benchmarks/results.json. Not part of the test suite.

    python benchmarks/run.py [--runs 5] [--scale]   # --scale adds the 1x/10x/40x curve
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PY = sys.executable
BUILD = [PY, str(ROOT / "build.py")]
TARGETS = {
    "full build (all editions)": ("s", 2.5),
    "reader PDF alone / plain WeasyPrint": ("ratio", 1.0),
    "EPUB alone": ("s", 0.5),
    "no-op rebuild": ("s", 0.3),
    "peak memory, full build": ("MB", 300),
    "reader PDF size": ("KB", 150),
    "EPUB size": ("KB", 300),
    "watch: reader PDF after one-paragraph edit": ("s", 0.35),
    "scale: 300-page book": ("s", 60),
    "scale: 300-page book peak memory": ("MB", 1024),
}


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total = 0
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError):
            pass
        stack.extend(children.get(current, []))
    return total


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident MB (the whole process tree, sampled every 10 ms)."""
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode()}")
    return elapsed, peak / 1024


def median_run(make_cmd, runs: int, prepare=None) -> tuple[float, float]:
    times, peaks = [], []
    for _ in range(runs):
        if prepare:
            prepare()
        elapsed, peak = timed(make_cmd())
        times.append(elapsed)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


BASELINE = r"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from zhpress.manuscript import load_book
from weasyprint import HTML
book = load_book(sys.argv[1])
parts = [f"<h1>{book.title}</h1>"] + [f"<p>{b.text}</p>" for b in book.lede]
for c in book.chapters:
    parts.append(f"<h2>{c.title}</h2><p>{c.panelist}</p>")
    parts += [f"<p>{b.text}</p>" for b in c.blocks]
css = "@page{size:A5} body{font-family:'Noto Serif CJK SC';font-size:10.5pt;text-align:justify}"
html = f"<html lang=zh-Hans><style>{css}</style><body>{''.join(parts)}</body></html>"
HTML(string=html).write_pdf(sys.argv[2])
"""


def scaled_book(factor: int, dest: Path) -> Path:
    """The seed's contributions repeated ``factor`` times, each copy with a distinct title."""
    from zhpress.manuscript import load_book

    book = load_book(ROOT / "book")
    dest.mkdir(parents=True, exist_ok=True)
    names = []
    for copy in range(factor):
        for chapter in book.chapters:
            name = f"{copy:03d}-{chapter.path.name}"
            body = "\n\n".join(b.text for b in chapter.blocks)
            title = f"{chapter.title}（{copy + 1}）" if factor > 1 else chapter.title
            (dest / name).write_text(
                f"---\npanelist: {chapter.panelist}\ntitle: {title}\n---\n\n{body}\n",
                encoding="utf-8",
            )
            names.append(name)
    yaml_text = (ROOT / "book" / "book.yaml").read_text(encoding="utf-8")
    head = yaml_text.split("\nchapters:", 1)[0]
    (dest / "book.yaml").write_text(
        head + "\nchapters:\n" + "".join(f"  - {n}\n" for n in names), encoding="utf-8"
    )
    return dest


def page_count(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return 0


def watch_latency(work: Path) -> float:
    """Seconds from saving a one-paragraph edit to the reader PDF being replaced."""
    book = work / "watch-book"
    shutil.copytree(ROOT / "book", book)
    out = work / "watch-dist"
    proc = subprocess.Popen(
        [*BUILD, "watch", "--book", str(book), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        reader = None
        deadline = time.time() + 120
        while time.time() < deadline:
            pdfs = [p for p in out.glob("*.pdf") if not p.name.endswith("-print.pdf")]
            epubs = list(out.glob("*.epub"))
            if pdfs and epubs:
                reader = pdfs[0]
                break
            time.sleep(0.1)
        if reader is None:
            raise SystemExit("watch never produced the editions")
        time.sleep(1.0)
        latencies = []
        for round_ in range(3):
            before = reader.stat().st_mtime_ns
            chapter = sorted(book.glob("*.md"))[0]
            text = chapter.read_text(encoding="utf-8")
            saved = time.perf_counter()
            chapter.write_text(text.rstrip("\n") + f"编辑{round_}。\n", encoding="utf-8")
            while reader.stat().st_mtime_ns == before:
                if time.perf_counter() - saved > 60:
                    raise SystemExit("watch did not rebuild the reader PDF")
                time.sleep(0.005)
            latencies.append(time.perf_counter() - saved)
            time.sleep(4.0)  # let the other editions follow before the next edit
        return statistics.median(latencies)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", action="store_true", help="also build 1x, 10x, 40x books")
    args = parser.parse_args()
    runs = args.runs
    results: dict[str, float] = {}
    work = Path(tempfile.mkdtemp(prefix="zhpress-bench-"))
    book = ROOT / "book"
    # Warm the font-subset cache once, as an editor's machine has it after the first build.
    subprocess.run(
        [*BUILD, "--out", str(work / "warm"), "--force"], cwd=ROOT, check=True, capture_output=True
    )

    def fresh_out(name: str) -> Path:
        return work / f"{name}-{time.perf_counter_ns()}"

    results["full build (all editions)"], results["peak memory, full build"] = median_run(
        lambda: [*BUILD, "--book", str(book), "--out", str(fresh_out("full"))], runs
    )
    for edition in ("reader", "press", "epub"):
        results[f"{edition} alone"], _ = median_run(
            lambda e=edition: [*BUILD, "--only", e, "--out", str(fresh_out(e))], runs
        )
    results["EPUB alone"] = results.pop("epub alone")
    baseline_pdf = work / "baseline.pdf"
    results["plain WeasyPrint baseline"], _ = median_run(
        lambda: [PY, "-c", BASELINE, str(book), str(baseline_pdf), str(ROOT)], runs
    )
    results["reader PDF alone / plain WeasyPrint"] = (
        results["reader alone"] / results["plain WeasyPrint baseline"]
    )
    noop = work / "noop"
    subprocess.run([*BUILD, "--out", str(noop)], cwd=ROOT, check=True, capture_output=True)
    results["no-op rebuild"], _ = median_run(lambda: [*BUILD, "--out", str(noop)], runs)

    edit_book = work / "edit-book"
    shutil.copytree(book, edit_book)
    edit_out = work / "edit-out"
    subprocess.run(
        [*BUILD, "--book", str(edit_book), "--out", str(edit_out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    counter = iter(range(1000))

    def edit_paragraph() -> None:
        chapter = sorted(edit_book.glob("*.md"))[0]
        text = chapter.read_text(encoding="utf-8")
        chapter.write_text(text.rstrip("\n") + f"修改{next(counter)}。\n", encoding="utf-8")

    results["rebuild after one-paragraph edit"], _ = median_run(
        lambda: [*BUILD, "--book", str(edit_book), "--out", str(edit_out)],
        runs,
        prepare=edit_paragraph,
    )
    results["watch: reader PDF after one-paragraph edit"] = watch_latency(work)
    sizes = {
        p.suffix + ("-print" if p.name.endswith("-print.pdf") else ""): p.stat().st_size
        for p in noop.iterdir()
        if p.suffix in (".pdf", ".epub")
    }
    results["reader PDF size"] = sizes.get(".pdf", 0) / 1024
    results["press PDF size"] = sizes.get(".pdf-print", 0) / 1024
    results["EPUB size"] = sizes.get(".epub", 0) / 1024
    results["plain WeasyPrint PDF size"] = baseline_pdf.stat().st_size / 1024

    curve = []
    if args.scale:
        for factor in (1, 10, 40):
            sbook = scaled_book(factor, work / f"scale-{factor}")
            sout = work / f"scale-{factor}-out"
            seconds, peak = timed([*BUILD, "--book", str(sbook), "--out", str(sout)])
            pdf = next(p for p in sout.glob("*.pdf") if not p.name.endswith("-print.pdf"))
            pages = page_count(pdf)
            curve.append({"factor": factor, "pages": pages, "seconds": seconds, "peak_mb": peak})
        big = max(curve, key=lambda c: c["pages"])
        results["scale: 300-page book"] = big["seconds"]
        results["scale: 300-page book peak memory"] = big["peak_mb"]

    print(
        f"zhpress benchmark — {platform.node()}, {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, median of {runs}"
    )
    print(f"{'measure':46} {'value':>10}  {'target':>10}  ok")
    for name, value in results.items():
        unit, target = TARGETS.get(name, ("", None))
        if not unit:
            unit = "KB" if "size" in name else "s"
        shown = f"{value:.2f} {unit}" if unit != "ratio" else f"{value:.2f}"
        goal = (
            ""
            if target is None
            else (f"<= {target:g} {unit}" if unit != "ratio" else f"<= {target:g}")
        )
        ok = "" if target is None else ("yes" if value <= target else "NO")
        print(f"{name:46} {shown:>10}  {goal:>10}  {ok}")
    for point in curve:
        print(
            f"scale {point['factor']:>3}x: {point['pages']:>4} pages  "
            f"{point['seconds']:.2f} s  {point['peak_mb']:.0f} MB"
        )
    (ROOT / "benchmarks" / "results.json").write_text(
        json.dumps(
            {
                "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
                "runs": runs,
                "results": results,
                "scale": curve,
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
