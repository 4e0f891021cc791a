#!/usr/bin/env python3
"""Measure build speed, memory and output sizes on the seed book, against their targets.

Every time is the median of several runs, each in a fresh process and (unless it is the no-op
or the edit) a fresh output folder, exactly as an editor runs ``python build.py`` (fast checks
included). "Cold" means a fresh process and output folder with the font-subset cache warm,
as it is on an editor's machine after the first build; "truly cold" also starts from an empty
cache. The plain-WeasyPrint baseline runs in the same session, interleaved with the reader
runs, so the ratio holds on a noisy machine. Memory is the peak of the summed proportional set
size (PSS) of the build's process tree: forked editions share the parent's pages, and RSS
would count those once per process. Prints a table and writes benchmarks/results.json. Not
part of the test suite.

    python benchmarks/run.py [--runs 5] [--no-scale] [--no-watch]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
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
    "full build, cold (font cache warm)": ("s", 2.5),
    "reader PDF alone / plain WeasyPrint": ("ratio", 1.0),
    "EPUB alone": ("s", 0.5),
    "no-op rebuild": ("s", 0.3),
    "peak memory, full build": ("MB", 300),
    "reader PDF size": ("KB", 150),
    "EPUB size": ("KB", 300),
    "watch: reader PDF after one-paragraph edit": ("s", 0.35),
    "scale: 300-page book, full build": ("s", 60),
    "scale: 300-page book, peak memory": ("MB", 1024),
    "parts: 40-part book, full build": ("s", 60),
    "parts: 40-part book, peak memory": ("MB", 1024),
}


def _tree(pid: int) -> list[int]:
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
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def _tree_pss_kb(pid: int) -> int:
    """Proportional set size of a process and its descendants (shared pages split)."""
    total = 0
    for member in _tree(pid):
        try:
            with open(f"/proc/{member}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError):
            pass
    return total


LAST_CPU = [0.0]
"""CPU seconds (user + system) of the last timed command and every process it waited for."""


def timed(
    cmd: list[str], env: dict[str, str] | None = None, memory: bool = True
) -> tuple[float, float]:
    """Wall seconds and peak PSS in MB of the process tree (sampled every 10 ms). The CPU
    seconds of the tree (user + system) are added to ``CPU`` under the command's name."""
    peak = 0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_pss_kb(proc.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    if memory:
        sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    done.set()
    if memory:
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode()}")
    return elapsed, peak / 1024


CPU: dict[str, float] = {}
"""Median CPU seconds per measure: what the wall time would be on an idle machine if nothing
ran in parallel; reported beside the wall time because the machine is shared."""


def median_run(
    make_cmd, runs: int, prepare=None, env=None, memory=False, name: str = ""
) -> tuple[float, float]:
    times, peaks, cpus = [], [], []
    for _ in range(runs):
        if prepare:
            prepare()
        elapsed, peak = timed(make_cmd(), env=env, memory=memory)
        times.append(elapsed)
        peaks.append(peak)
        cpus.append(LAST_CPU[0])
    if name:
        CPU[name] = statistics.median(cpus)
    return statistics.median(times), max(peaks)


BASELINE = r"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from zhpress.manuscript.load import load_book
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
    from zhpress.manuscript.load import load_book

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


def parts_book(parts: int, dest: Path) -> Path:
    """A book of ``parts`` pages: the seed's page and our own second page
    (tests/fixtures/parts/02-laochengqu) in turn, with a preface."""
    import shutil

    fixture = ROOT / "tests" / "fixtures" / "parts"
    dest.mkdir(parents=True, exist_ok=True)
    names = []
    for n in range(parts):
        folder = dest / f"{n + 1:02d}-part"
        if n % 2 == 0:
            shutil.copytree(ROOT / "book", folder, ignore=shutil.ignore_patterns("dist", ".*"))
            (folder / "book.yaml").rename(folder / "part.yaml")
        else:
            shutil.copytree(fixture / "02-laochengqu", folder)
        names.append(folder.name)
    shutil.copy(fixture / "preface.md", dest / "preface.md")
    (dest / "book.yaml").write_text(
        "title: 圆桌论坛二〇二四\nseries: 圆桌论坛\npreface: preface.md\nparts:\n"
        + "".join(f"  - {name}\n" for name in names),
        encoding="utf-8",
    )
    return dest


def page_count(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return 0


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def edit_paragraph(chapter: Path, round_: int, new_char: str | None = None) -> None:
    """Change the first paragraph of ``chapter``: insert three of its own Han characters
    (nothing new for the fonts), or ``new_char`` (a character the book does not have yet)."""
    text = chapter.read_text(encoding="utf-8")
    front, _, body = text.partition("\n---\n")
    front = text[: len(front) + 5]
    paras = body.split("\n\n")
    index = next(i for i, p in enumerate(paras) if sum(map(_is_han, p)) > 10)
    para = paras[index].rstrip("\n")
    if new_char:
        insert = new_char
    else:
        han = [ch for ch in para if _is_han(ch)]
        start = (round_ * 3) % max(len(han) - 3, 1)
        insert = "".join(han[start : start + 3])
    cut = max(i for i, ch in enumerate(para) if _is_han(ch))
    paras[index] = para[:cut] + insert + para[cut:] + ("\n" if paras[index].endswith("\n") else "")
    chapter.write_text(front + "\n\n".join(paras), encoding="utf-8")


NEW_CHARS = "鑫淼犇骉垚"


def watch_latency(work: Path, rounds: int, new_chars: bool) -> tuple[float, list[float]]:
    """Seconds from saving a one-paragraph edit to the reader PDF being replaced, while
    ``python build.py watch`` runs."""
    tag = "new" if new_chars else "same"
    book = work / f"watch-book-{tag}"
    shutil.copytree(ROOT / "book", book)
    out = work / f"watch-dist-{tag}"
    env = dict(os.environ)
    if new_chars:
        # An empty cache: the first build fills it, and no subset of an edit is left over
        # from an earlier benchmark run.
        env["ZHPRESS_CACHE_DIR"] = str(work / "watch-cache")
    proc = subprocess.Popen(
        [*BUILD, "watch", "--book", str(book), "--out", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    finished = []  # one entry per "built N of N" line: the rounds complete so far
    lines: list[str] = []

    def read() -> None:
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("built "):
                finished.append(time.perf_counter())

    reader_thread = threading.Thread(target=read, daemon=True)
    reader_thread.start()

    def settle(count: int) -> None:
        deadline = time.time() + 180
        while len(finished) < count:
            if proc.poll() is not None or time.time() > deadline:
                raise SystemExit("watch stopped or hung:\n" + "".join(lines[-20:]))
            time.sleep(0.02)
        time.sleep(0.5)

    try:
        settle(2)  # the first build: the reader, then the others
        reader = next(p for p in out.glob("*.pdf") if not p.name.endswith("-print.pdf"))
        chapter = sorted(book.glob("*.md"))[0]
        latencies = []
        for round_ in range(rounds):
            before = reader.stat().st_mtime_ns
            count = len(finished)
            new = NEW_CHARS[round_ % len(NEW_CHARS)] if new_chars else None
            saved = time.perf_counter()
            edit_paragraph(chapter, round_, new)
            while reader.stat().st_mtime_ns == before:
                if time.perf_counter() - saved > 60:
                    raise SystemExit("watch did not rebuild the reader PDF")
                time.sleep(0.002)
            latencies.append(time.perf_counter() - saved)
            settle(count + 2)  # let the other editions follow before the next edit
        return statistics.median(latencies), latencies
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-scale", action="store_true", help="skip the 1x/10x/40x books")
    parser.add_argument("--no-watch", action="store_true", help="skip the watch latency")
    args = parser.parse_args()
    runs = args.runs
    results: dict[str, float] = {}
    notes: dict[str, str] = {}
    load_before = loadavg()
    work = Path(tempfile.mkdtemp(prefix="zhpress-bench-"))
    # Plain WeasyPrint (the baseline) leaves its font copies in the temporary folder: keep
    # them in the work folder, which is removed at the end.
    (work / "tmp").mkdir()
    os.environ["TMPDIR"] = str(work / "tmp")
    book = ROOT / "book"
    # Warm the font-subset cache once, as an editor's machine has it after the first build.
    subprocess.run(
        [*BUILD, "--out", str(work / "warm"), "--force"], cwd=ROOT, check=True, capture_output=True
    )

    def fresh_out(name: str) -> Path:
        return work / f"{name}-{time.perf_counter_ns()}"

    results["full build, cold (font cache warm)"], results["peak memory, full build"] = median_run(
        lambda: [*BUILD, "--book", str(book), "--out", str(fresh_out("full"))],
        runs,
        memory=True,
        name="full build, cold (font cache warm)",
    )

    def empty_cache_env() -> dict[str, str]:
        return {**os.environ, "ZHPRESS_CACHE_DIR": str(fresh_out("cache"))}

    cold_times, cold_cpu = [], []
    for _ in range(max(1, min(runs, 3))):
        cold_times.append(
            timed([*BUILD, "--out", str(fresh_out("cold"))], env=empty_cache_env(), memory=False)[0]
        )
        cold_cpu.append(LAST_CPU[0])
    results["full build, truly cold (empty cache)"] = statistics.median(cold_times)
    CPU["full build, truly cold (empty cache)"] = statistics.median(cold_cpu)
    notes["full build, truly cold (empty cache)"] = f"median of {len(cold_times)}"

    # Reader alone and the plain-WeasyPrint baseline, interleaved so load hits both alike.
    baseline_pdf = work / "baseline.pdf"
    reader_times, baseline_times, reader_cpu, baseline_cpu = [], [], [], []
    for _ in range(runs):
        reader_times.append(
            timed([*BUILD, "--only", "reader", "--out", str(fresh_out("reader"))], memory=False)[0]
        )
        reader_cpu.append(LAST_CPU[0])
        baseline_times.append(
            timed([PY, "-c", BASELINE, str(book), str(baseline_pdf), str(ROOT)], memory=False)[0]
        )
        baseline_cpu.append(LAST_CPU[0])
    results["reader alone"] = statistics.median(reader_times)
    results["plain WeasyPrint baseline"] = statistics.median(baseline_times)
    CPU["reader alone"] = statistics.median(reader_cpu)
    CPU["plain WeasyPrint baseline"] = statistics.median(baseline_cpu)
    results["reader PDF alone / plain WeasyPrint"] = (
        results["reader alone"] / results["plain WeasyPrint baseline"]
    )
    results["press alone"], _ = median_run(
        lambda: [*BUILD, "--only", "press", "--out", str(fresh_out("press"))],
        runs,
        name="press alone",
    )
    results["EPUB alone"], _ = median_run(
        lambda: [*BUILD, "--only", "epub", "--out", str(fresh_out("epub"))],
        runs,
        name="EPUB alone",
    )
    noop = work / "noop"
    subprocess.run([*BUILD, "--out", str(noop)], cwd=ROOT, check=True, capture_output=True)
    results["no-op rebuild"], _ = median_run(
        lambda: [*BUILD, "--out", str(noop)], runs, name="no-op rebuild"
    )

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
    results["rebuild after one-paragraph edit"], _ = median_run(
        lambda: [*BUILD, "--book", str(edit_book), "--out", str(edit_out)],
        runs,
        prepare=lambda: edit_paragraph(sorted(edit_book.glob("*.md"))[0], next(counter)),
        name="rebuild after one-paragraph edit",
    )
    if not args.no_watch:
        median, each = watch_latency(work, runs, new_chars=False)
        results["watch: reader PDF after one-paragraph edit"] = median
        notes["watch: reader PDF after one-paragraph edit"] = (
            "characters already in the book; each: " + " ".join(f"{t:.2f}" for t in each)
        )
        median, each = watch_latency(work, max(1, min(runs, 3)), new_chars=True)
        results["watch: edit adding a new character"] = median
        notes["watch: edit adding a new character"] = "fonts re-subset; each: " + " ".join(
            f"{t:.2f}" for t in each
        )
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
    if not args.no_scale:
        for factor in (1, 10, 40):
            sbook = scaled_book(factor, work / f"scale-{factor}")
            sout = work / f"scale-{factor}-out"
            seconds, peak = timed([*BUILD, "--book", str(sbook), "--out", str(sout)])
            cpu_seconds = LAST_CPU[0]
            pdf = next(p for p in sout.glob("*.pdf") if not p.name.endswith("-print.pdf"))
            pages = page_count(pdf)
            curve.append(
                {
                    "factor": factor,
                    "pages": pages,
                    "seconds": seconds,
                    "cpu_seconds": cpu_seconds,
                    "peak_mb": peak,
                }
            )
        big = max(curve, key=lambda c: c["pages"])
        results["scale: 300-page book, full build"] = big["seconds"]
        CPU["scale: 300-page book, full build"] = big["cpu_seconds"]
        results["scale: 300-page book, peak memory"] = big["peak_mb"]
        notes["scale: 300-page book, full build"] = f"{big['pages']} reader pages"

    parts_curve = []
    if not args.no_scale:
        for count in (4, 10, 20, 40):
            pbook = parts_book(count, work / f"parts-{count}")
            pout = work / f"parts-{count}-out"
            seconds, peak = timed([*BUILD, "--book", str(pbook), "--out", str(pout)])
            pdf = next(p for p in pout.glob("*.pdf") if not p.name.endswith("-print.pdf"))
            parts_curve.append(
                {
                    "parts": count,
                    "pages": page_count(pdf),
                    "seconds": seconds,
                    "cpu_seconds": LAST_CPU[0],
                    "peak_mb": peak,
                }
            )
        big = parts_curve[-1]
        results["parts: 40-part book, full build"] = big["seconds"]
        CPU["parts: 40-part book, full build"] = big["cpu_seconds"]
        results["parts: 40-part book, peak memory"] = big["peak_mb"]
        notes["parts: 40-part book, full build"] = f"{big['pages']} reader pages"

    load_after = loadavg()
    cpu = ""
    try:
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1).strip() if found else ""
    except OSError:
        pass
    print(
        f"zhpress benchmark — {platform.node()}, {cpu}, {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, median of {runs}; "
        f"load average {load_before} before, {load_after} after"
    )
    print(f"{'measure':46} {'value':>10}  {'target':>10}  ok   {'CPU s':>6}")
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
        note = f"  ({notes[name]})" if name in notes else ""
        seconds = f"{CPU[name]:6.2f}" if name in CPU else " " * 6
        print(f"{name:46} {shown:>10}  {goal:>10}  {ok:3}  {seconds}{note}")
    for point in curve:
        print(
            f"scale {point['factor']:>3}x: {point['pages']:>4} pages  {point['seconds']:6.2f} s  "
            f"{point['seconds'] / max(point['pages'], 1) * 1000:5.0f} ms/page  "
            f"CPU {point['cpu_seconds']:6.2f} s  {point['peak_mb']:.0f} MB"
        )
    for point in parts_curve:
        print(
            f"parts {point['parts']:>3}: {point['pages']:>4} pages  {point['seconds']:6.2f} s  "
            f"{point['seconds'] / max(point['pages'], 1) * 1000:5.0f} ms/page  "
            f"CPU {point['cpu_seconds']:6.2f} s  {point['peak_mb']:.0f} MB"
        )
    (ROOT / "benchmarks" / "results.json").write_text(
        json.dumps(
            {
                "machine": {
                    "cpu": cpu,
                    "cores": os.cpu_count(),
                    "python": platform.python_version(),
                    "load_before": load_before,
                    "load_after": load_after,
                },
                "runs": runs,
                "results": results,
                "cpu_seconds": CPU,
                "notes": notes,
                "scale": curve,
                "parts": parts_curve,
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
