#!/usr/bin/env python3
"""Time the importer on the seed and on pages 2x..32x as long, to show linear growth.

Each larger page repeats every article's lines in place (same four panelists, same layout),
so only the amount of text grows. Prints the best of several runs per size and the time per
thousand lines, which stays flat if growth is linear.

    python benchmarks/import_scaling.py
"""

from __future__ import annotations

import contextlib
import io
import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zhpress.importer.draft import import_page  # noqa: E402

SEED = ROOT / "seeds" / "foshan-new-industrialisation-roundtable.txt"
# First source line of each article in the seed (1-based), and where the body ends.
ARTICLE_STARTS = (1, 145, 281, 417)
BODY_END = 552


def scaled(factor: int) -> str:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    bounds = [*ARTICLE_STARTS, BODY_END]
    body = []
    for a, b in itertools.pairwise(bounds):
        chunk = lines[a - 1 : b - 1]
        body += chunk * factor
    return "\n".join(body + lines[BODY_END - 1 :])


def best_time(path: Path, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        out = Path(tempfile.mkdtemp()) / "book"
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            import_page(path, out)
        best = min(best, time.perf_counter() - start)
        shutil.rmtree(out.parent)
    return best


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    print(f"{'size':>6} {'lines':>7} {'bytes':>9} {'seconds':>8} {'ms/1000 lines':>14}")
    for factor in (1, 2, 4, 8, 16, 32):
        path = tmp / f"x{factor}.txt"
        path.write_text(scaled(factor), encoding="utf-8")
        n = path.read_text(encoding="utf-8").count("\n") + 1
        t = best_time(path, 5 if factor <= 4 else 2)
        print(f"{factor:>5}x {n:>7} {path.stat().st_size:>9} {t:>8.3f} {1e6 * t / n:>14.1f}")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
