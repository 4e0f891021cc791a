"""The book's images as a print shop and a reader need them: each has alt text (the EPUB's
description, a figure's caption) and at least 300 ppi at the size the press edition prints
it. Both are warnings with ``chapter:line``: the book still builds."""

from __future__ import annotations

from ..editions.images import (
    FIGURE_MAX_HEIGHT,
    PRINT_PPI,
    chapter_images,
    fitted,
    picture,
    ppi,
)
from ..typeset.geometry import geometry_of
from ..typeset.plan import NESTED_EM
from .outputs import OK, WARNING, Finding, Outputs


def image_problems(book) -> tuple[list[str], int]:
    """(warnings, images looked at)."""
    g = geometry_of(book)
    problems: list[str] = []
    count = 0
    preface = [book.preface] if book.preface is not None else []
    for chapter in [*preface, *book.chapters]:
        insets = _figure_insets(chapter)
        for block, target, alt in chapter_images(chapter):
            count += 1
            where = f"{chapter.name}:{block.line}"
            if not alt.strip():
                problems.append(f"{where}: the image '{target}' has no alt text")
            found = picture(book, target, chapter.path, block.line)
            if block.kind == "figure":
                width = g.measure - insets.get(id(block), 0.0) * g.size
                width, _ = fitted(found.pixels, width, g.text_height * FIGURE_MAX_HEIGHT)
            else:
                width = g.size * found.pixels[0] / max(found.pixels)  # one em square
            density = ppi(found.pixels, width)
            if density < PRINT_PPI - 0.5:
                problems.append(
                    f"{where}: the image '{target}' prints at {density:.0f} ppi in the press "
                    f"edition ({found.pixels[0]} px across {width / 72 * 25.4:.1f} mm); "
                    f"{PRINT_PPI} ppi wants {PRINT_PPI * width / 72:.0f} px"
                )
    return problems, count


def _figure_insets(chapter) -> dict[int, float]:
    """How many em each figure stands in (inside a quote or a list)."""
    found: dict[int, float] = {}

    def walk(block, inset: float) -> None:
        if block.kind == "figure":
            found[id(block)] = inset
        deeper = inset + NESTED_EM if block.kind in ("quote", "ol", "ul") else inset
        for child in block.children:
            walk(child, deeper)

    for block in chapter.blocks:
        walk(block, 0.0)
    return found


def check_images(out: Outputs) -> list[Finding]:
    problems, count = image_problems(out.book)
    if not count:
        return []
    return [Finding("all", "images", WARNING, p) for p in problems] or [
        Finding("all", "images", OK, f"{count} image(s), each with alt text, ≥ {PRINT_PPI} ppi")
    ]
