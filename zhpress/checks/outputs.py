"""The editions of one build, each read once and shared by every check; the findings' shape.

Every check returns rows for one table: an edition, a check, a status (ok, warning, error,
skipped) and what was found. The fast checks share one reading of each edition
(``Outputs``): the PDFs' objects and drawn text (``pdfscan``, no subprocess, no PDF library
to import), the EPUB's XHTML, and the manuscript's text cut into units.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..manuscript.model import Book
from .pdfscan import Drawn, Objects, drawn_text, names_in, read_objects
from .text_reaches_editions import Unit, manuscript_units

PDFS = ("reader", "press")
LABEL = {"reader": "reader PDF", "press": "press PDF", "epub": "EPUB"}

OK, WARNING, ERROR, SKIPPED = "ok", "warning", "error", "skipped"


@dataclass(frozen=True)
class Finding:
    edition: str
    check: str
    severity: str  # ok | warning | error | skipped
    message: str


# --- Reading the editions once ---------------------------------------------------------------


class Outputs:
    """The editions of one build, each read once (lazily) and shared by every check."""

    def __init__(self, book: Book, paths: dict[str, Path]) -> None:
        self.book = book
        self.paths = paths
        self._done: dict[tuple[str, str], Any] = {}

    def forget(self, edition: str) -> None:
        """Drop what was read of ``edition`` (written again since): it is read afresh."""
        self._done = {key: value for key, value in self._done.items() if key[0] != edition}

    def has(self, edition: str) -> bool:
        path = self.paths.get(edition)
        return path is not None and path.is_file()

    def _once(self, key: tuple[str, str], make: Callable[[], Any]) -> Any:
        if key not in self._done:
            try:
                self._done[key] = make()
            except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as exc:
                self._done[key] = exc
        result = self._done[key]
        if isinstance(result, Exception):
            raise result
        return result

    def objects(self, edition: str) -> Objects:
        return self._once((edition, "objects"), lambda: read_objects(self.paths[edition]))

    def drawn(self, edition: str) -> Drawn:
        return self._once((edition, "drawn"), lambda: drawn_text(self.objects(edition)))

    def epub(self) -> dict[str, Any]:
        """href -> parsed XHTML document, in spine order."""
        return self._once(("epub", "docs"), lambda: _read_epub(self.paths["epub"]))

    def names(self, edition: str) -> dict[str, set[str]]:
        """The PDF names each object uses (keys and values), for colour spaces and actions."""

        def walk() -> dict[str, set[str]]:
            objects = self.objects(edition)
            return {ref: names_in(value) for ref, value in objects.raw.items()}

        return self._once((edition, "names"), walk)

    def units(self, edition: str = "epub") -> list[Unit]:
        """The manuscript's text as ``edition`` must show it (a PDF draws list markers and
        sets its notes at the pages' feet)."""
        printed = edition != "epub"
        return self._once(("book", "units", printed), lambda: manuscript_units(self.book, printed))


def _read_epub(path: Path) -> dict[str, Any]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    with zipfile.ZipFile(path) as archive:
        container = etree.fromstring(archive.read("META-INF/container.xml"), parser)
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = etree.fromstring(archive.read(opf_path), parser)
        base = opf_path.rsplit("/", 1)[0] + "/" if "/" in opf_path else ""
        manifest = {
            item.get("id"): item.get("href") for item in opf.iterfind(".//{*}manifest/{*}item")
        }
        docs = {}
        for ref in opf.iterfind(".//{*}spine/{*}itemref"):
            href = manifest[ref.get("idref")]
            docs[href] = etree.fromstring(archive.read(base + href), parser)
        return docs


def _tool_problem(edition: str, check: str, exc: Exception) -> Finding:
    return Finding(edition, check, ERROR, f"cannot read the {LABEL[edition]}: {exc}")
