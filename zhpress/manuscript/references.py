"""Keep a manuscript inside its folder: no network, no file outside the book and the project.

Two layers. ``check_references`` reads the Markdown and rejects an image or resource that
points outside the book, naming the chapter and line, before anything is rendered.
``SafeURLFetcher`` is what WeasyPrint is given, so even a reference that slipped past the first
layer (a template, a stylesheet) cannot reach the network or another file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from ..errors import BookError

if TYPE_CHECKING:  # the renderer process imports this module for the fetcher alone
    from .model import Block, Book

# ![alt](target "title") and [text](target); reference-style definitions [id]: target
# (Linear: the text may hold one level of brackets, the target at most 2,048 characters; an
# unbounded scan from every "[" took seconds on a block of 5,000 unclosed links.)
_INLINE_REF = re.compile(
    r"(!?)\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]{1,2048}+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)"
)
_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def _is_inside(path: Path, roots: tuple[Path, ...]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root) for root in roots)


def refusal(target: str, book_root: Path, *, image: bool) -> str | None:
    """Why ``target`` may not be used, or None when it is a file inside the book."""
    scheme = _SCHEME.match(target)
    if scheme:
        name = scheme.group(1).lower()
        if not image and name in ("http", "https", "mailto"):
            return None  # a hyperlink is not fetched, only written into the edition
        return f"'{target}' is a {name}: reference; only files inside the book folder may be used"
    if target.startswith("#"):
        return None
    path_part = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not path_part:
        return None
    if path_part.startswith(("/", "\\")):
        return f"'{target}' is an absolute path; only files inside the book folder may be used"
    if not _is_inside(book_root / path_part, (book_root.resolve(),)):
        return f"'{target}' leaves the book folder"
    return None


def _missing(target: str, book_root: Path) -> str | None:
    """An image (or a defined reference) naming a file the book folder does not have: the
    EPUB would refer to a file it never packaged (RSC-007) and the PDFs would lack it."""
    if _SCHEME.match(target) or target.startswith("#"):
        return None
    path_part = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if path_part and not (book_root / path_part).is_file():
        return f"'{target}' does not exist in the book folder"
    return None


def _block_references(block: Block) -> list[tuple[str, bool, int]]:
    found = []
    if block.kind == "figure":
        found.append((block.info, True, block.line))
    for pattern, target, image in ((_INLINE_REF, 2, None), (_DEFINITION, 1, True)):
        line, counted = block.line, 0  # lines counted once, not from the start per match
        for match in pattern.finditer(block.text):
            line += block.text.count("\n", counted, match.start())
            counted = match.start()
            found.append((match.group(target), image or match.group(1) == "!", line))
    # Reference definitions ([a]: path) are not in any block's text: the parser keeps them
    # for the whole chapter (the same tuple on every block, so looked at once per chapter).
    found += [(target, True, line) for _, target, line in block.inline.references]
    return found


def check_references(book: Book) -> None:
    """Raise BookError (chapter:line) for the first reference that leaves the book."""
    sources = [(book.yaml_path, list(book.lede))]
    sources += [(c.path, [*c.leaves(), *c.notes]) for c in book.chapters]
    sources += [(part.yaml_path, list(part.lede)) for part in book.parts]
    if book.preface is not None:
        sources.append((book.preface.path, [*book.preface.leaves(), *book.preface.notes]))
    for path, blocks in sources:
        for block in blocks:
            for target, image, line in _block_references(block):
                reason = refusal(target, book.root, image=image) or (
                    _missing(target, book.root) if image else None
                )
                if reason:
                    raise BookError(
                        reason,
                        path=path,
                        line=line,
                        hint="copy the file into the book folder and refer to it relatively",
                    )


def safe_url_fetcher(roots: tuple[Path, ...]):
    """A WeasyPrint URL fetcher serving ``file:`` URLs under ``roots`` and ``data:`` URLs only.

    Refusals raise a FatalURLFetchingError, the one kind WeasyPrint does not swallow into a
    warning, so the build stops instead of silently dropping the resource. WeasyPrint is
    imported here, not at module level, so checking references stays cheap.
    """
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    allowed = tuple(root.resolve() for root in roots)

    class SafeURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None):  # type: ignore[override]
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise FatalURLFetchingError(
                    f"refused to fetch '{url}': the build never uses the network"
                )
            path = Path(url2pathname(unquote(parts.path)))
            if not _is_inside(path, allowed):
                raise FatalURLFetchingError(
                    f"refused to read '{path}': it is outside the book and the project"
                )
            return super().fetch(url, headers)

    return SafeURLFetcher(allowed_protocols=("file", "data"), fail_on_errors=True)
