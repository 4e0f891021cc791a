#!/usr/bin/env python3
"""Measure class 1 of issue 16: neighbouring articles set at the same column width.

Generates pages with ``tests/importer/pagegen.make_page(seed, min_step=0)`` for a range of
seeds, keeps those where two neighbouring articles share a column width (only content can
place their boundary), imports each, and reports how many import exactly. For every page that
does not, it says what went wrong (a boundary moved, titles swapped) and whether the review
list names a wrong boundary by its source line: a wrong boundary the editor is not told about
is the failure that matters most.

    python benchmarks/equal_width.py [--seeds 400] [--verbose]

Not part of the test suite (tests/importer/test_import_property.py pins single pages).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "importer")]

from pagegen import make_page  # noqa: E402

from zhpress.importer.decode import decode_bytes  # noqa: E402
from zhpress.importer.draft import build_draft  # noqa: E402

PATH = "generated.txt"


def _line_finder(text: str):
    """A function from a paragraph to the source line its first characters sit on."""
    chars: list[str] = []
    lines: list[int] = []
    for no, line in enumerate(text.split("\n"), start=1):
        for ch in line:
            if not ch.isspace():
                chars.append(ch)
                lines.append(no)
    flat = "".join(chars)

    def find(paragraph: str) -> int | None:
        key = "".join(ch for ch in paragraph if not ch.isspace())[:20]
        at = flat.find(key)
        return lines[at] if at >= 0 else None

    return find


def _starts(chapters) -> list[int]:
    """Cumulative paragraph index at which each chapter after the first begins."""
    out, n = [], 0
    for paras in chapters[:-1]:
        n += len(paras)
        out.append(n)
    return out


def check(seed: int, min_step: int = 0) -> dict | None:
    """None for a page whose neighbours all differ in width (with ``min_step`` 0); else what
    the import gave."""
    data, expected, info = make_page(seed, min_step=min_step)
    widths = info["widths"]
    if not min_step and not any(a == b for a, b in itertools.pairwise(widths)):
        return None
    decoded = decode_bytes(data, PATH)
    draft = build_draft(decoded, Path(PATH))
    got = [(c.panelist, c.title, c.paragraphs) for c in draft.chapters]
    want = [tuple(ch) for ch in expected.chapters]
    result = {"seed": seed, "widths": widths, "exact": got == want, "review": draft.review}
    if result["exact"]:
        return result
    all_paras = [p for c in draft.chapters for p in c.paragraphs]
    want_paras = [p for _, _, ps in want for p in ps]
    got_starts = _starts([c.paragraphs for c in draft.chapters])
    want_starts = _starts([ps for _, _, ps in want])
    if all_paras != want_paras or len(got_starts) != len(want_starts):
        result["kind"] = "paragraphs"
        result["reviewed"] = bool(draft.review)
        return result
    wrong = [i for i, (g, w) in enumerate(zip(got_starts, want_starts, strict=True)) if g != w]
    if not wrong:
        result["kind"] = "titles"
        result["reviewed"] = any("elimination" in r or "match no" in r for r in draft.review)
        return result
    find = _line_finder(decoded.text)
    # the review entry for a boundary names the line where the draft's next article begins
    flagged = [
        i
        for i in wrong
        if any(r.startswith(f"{PATH}:{find(all_paras[got_starts[i]])}:") for r in draft.review)
    ]
    result["kind"] = "boundary"
    result["shift"] = [got_starts[i] - want_starts[i] for i in wrong]
    result["lengths"] = [len(c.paragraphs) for c in draft.chapters]
    result["reviewed"] = len(flagged) == len(wrong)
    # A heading that matches no article: the editor is told the split is a guess, by the
    # heading's line rather than the boundary's.
    result["page_flagged"] = any("match no article" in r for r in draft.review)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=400)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument(
        "--min-step",
        type=int,
        default=0,
        help="least width difference between neighbours; above 0 every page counts "
        "(a check that class 1 changes cost nothing elsewhere)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    pages = [
        r for s in range(args.first, args.first + args.seeds) if (r := check(s, args.min_step))
    ]
    wrong = [r for r in pages if not r["exact"]]
    reviewed = [r for r in wrong if r["reviewed"]]
    flagged = [r for r in wrong if not r["reviewed"] and r.get("page_flagged")]
    exact_flagged = [
        r for r in pages if r["exact"] and any("weak evidence" in x for x in r["review"])
    ]
    print(
        f"seeds {args.first}-{args.first + args.seeds - 1}, min_step {args.min_step}: "
        f"{len(pages)} pages"
        + (" with neighbours at one width" if not args.min_step else "")
        + f"; exact {len(pages) - len(wrong)}, wrong {len(wrong)} "
        f"({len(reviewed)} with the wrong boundary on the review list, {len(flagged)} more "
        "with a heading that matches no article); "
        f"{len(exact_flagged)} exact pages carry a weak-boundary review entry; "
        f"{time.perf_counter() - started:.1f} s"
    )
    for r in wrong:
        detail = f"shift {r['shift']} lengths {r['lengths']}" if r["kind"] == "boundary" else ""
        print(
            f"  seed {r['seed']}: {r['kind']} widths {r['widths']} {detail} "
            + (
                "reviewed"
                if r["reviewed"]
                else "heading flagged"
                if r.get("page_flagged")
                else "NOT REVIEWED"
            )
        )
        if args.verbose:
            for row in r["review"]:
                print(f"      {row[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
