"""The print page: trim sizes, and the text block on a whole-character grid.

The measure is a whole number of body characters and the text block a whole number of lines
(CLREQ's 版心), so every justified line ends on the grid; the margins mirror on facing pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import BookError
from ..manuscript.model import Book
from ..manuscript.where import yaml_line

MM = 72 / 25.4
BODY_SIZE = 10.5  # 五号
LEADING = BODY_SIZE * 5 / 3  # 17.5 pt line pitch
INDENT_EM = 2


@dataclass(frozen=True)
class Trim:
    name: str
    width_mm: float
    height_mm: float
    chars: int
    """Characters per line at the body size: the measure is a whole number of characters."""
    lines: int
    """Lines per page."""


TRIMS = {
    "A5": Trim("A5", 148, 210, 28, 27),
    "32开": Trim("32开", 130, 184, 25, 23),
    "16开": Trim("16开", 185, 260, 36, 35),
}
TRIM_ALIASES = {"a5": "A5", "32k": "32开", "32开": "32开", "16k": "16开", "16开": "16开"}


@dataclass(frozen=True)
class Geometry:
    """The page in pt: trim, text block, and margins (inner/outer mirror on facing pages)."""

    trim: Trim
    size: float = BODY_SIZE
    leading: float = LEADING

    @property
    def width(self) -> float:
        return self.trim.width_mm * MM

    @property
    def height(self) -> float:
        return self.trim.height_mm * MM

    @property
    def measure(self) -> float:
        return self.trim.chars * self.size

    @property
    def text_height(self) -> float:
        return self.trim.lines * self.leading

    @property
    def inner(self) -> float:
        return (self.width - self.measure) * 0.45

    @property
    def outer(self) -> float:
        return self.width - self.measure - self.inner

    @property
    def top(self) -> float:
        return (self.height - self.text_height) * 0.42

    @property
    def bottom(self) -> float:
        return self.height - self.text_height - self.top

    def frame(self, page_index: int) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the text block on a page, from the trim's top left.
        The first page is a recto (right-hand page): its inner margin is on the left."""
        left = self.inner if page_index % 2 == 0 else self.outer
        return (left, self.top, left + self.measure, self.top + self.text_height)


def geometry_of(book: Book) -> Geometry:
    value = book.meta.get("trim", "A5")
    key = TRIM_ALIASES.get(str(value).strip().lower()) or TRIM_ALIASES.get(str(value).strip())
    if key is None:
        raise BookError(
            f"unknown trim '{value}'; use one of: A5, 32开, 16开",
            path=book.yaml_path,
            line=yaml_line(book, "trim"),
        )
    return Geometry(TRIMS[key])
