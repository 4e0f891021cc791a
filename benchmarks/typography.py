#!/usr/bin/env python3
"""Print the issue's typography table for the seed book: our two print editions beside the
same text set by plain WeasyPrint CSS (text-align: justify), measured the same way.

    python benchmarks/typography.py [--book book] [--trim 32开]

``--trim`` sets the book at another trim (A5, 32开, 16开) than its book.yaml names.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zhpress.checks.pdfmeasure import colour_operators, measure_edition, write_plain  # noqa: E402
from zhpress.editions.pdf import write_press, write_reader  # noqa: E402
from zhpress.manuscript.load import load_book  # noqa: E402
from zhpress.typeset.geometry import geometry_of  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--book", type=Path, default=ROOT / "book")
    parser.add_argument("--trim", help="set the book at this trim instead of book.yaml's")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    import weasyprint  # noqa: F401  (imported once here, so no column pays for it)

    from zhpress.typeset import composed_book

    book = load_book(args.book)
    if args.trim:
        book = dataclasses.replace(book, meta={**book.meta, "trim": args.trim})
    g = geometry_of(book)
    columns = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, writer in (
            ("zhpress reader", write_reader),
            ("zhpress press", write_press),
            ("WeasyPrint plain", write_plain),
        ):
            path = Path(tmp) / f"{name.replace(' ', '-')}.pdf"
            seconds = float("inf")
            for _ in range(2):  # best of two, each composing afresh
                composed_book._COMPOSED.clear()
                started = time.perf_counter()
                writer(book, path)
                seconds = min(seconds, time.perf_counter() - started)
            report = measure_edition(path, book, g)
            ops = colour_operators(path)
            rgb = sum(n for op, n in ops.items() if op.endswith((" rg", " RG")))
            fonts = report.fonts
            kind = (
                "CID, subset"
                if fonts and all(f["cid"] and f["subset"] and f["embedded"] for f in fonts)
                else ", ".join(sorted({f["subtype"] for f in fonts}))
            )
            columns[name] = [
                str(len(report.short_lines)),
                str(len(report.overfull_lines)),
                str(len(report.squeezed_marks)),
                str(report.wrong_chars),
                str(len(report.prohibited)),
                str(len(report.widows)),
                str(len(report.lone_last_chars)),
                f"{len(report.quarter_em)} of {report.quarter_em_checked}",
                kind,
                str(rgb),
                f"{path.stat().st_size / 1024:.0f} KB",
                f"{seconds:.2f} s",
            ]
    rows = [
        "non-final lines short of the measure by > 0.15 em",
        "lines past the measure",
        "lone 、，。；：？！ squeezed below 0.75 em",
        "characters wrong in the text layer (copy/search)",
        "lines starting/ending with a prohibited character",
        "paragraphs leaving one line alone at a page break",
        "paragraphs ending in a one-character line (孤字)",
        "Chinese-Western gaps not 1/4 em (of those inside a line)",
        "fonts",
        "RGB colour operators (press: none allowed; reader is sRGB for screens)",
        "PDF size",
        "time to write, best of 2 (font subsets cached)",
    ]
    names = list(columns)
    print(f"| on {args.book.name}/, {g.trim.name}, 10.5 pt | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for i, row in enumerate(rows):
        print(f"| {row} | " + " | ".join(columns[n][i] for n in names) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
