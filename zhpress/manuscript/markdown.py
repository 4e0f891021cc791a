"""How the manuscript's Markdown reads, the same for every edition.

One block (docs/MANUSCRIPT.md: a block is one paragraph) as inline HTML for the EPUB and the
templates (``markdown_inline``), as runs of text in a face role for the composer
(``runs_from_markdown``: bold is the bold face, emphasis is kai), and as the text a reader
sees (``visible_text``, which the checks find in every edition).

Markdown is converted with Python-Markdown, but raw HTML in a manuscript is escaped, never
passed through: a manuscript is data, so no <script> or event attribute reaches an edition.
"""

from __future__ import annotations

import re
from functools import lru_cache

import markdown
import markdown.treeprocessors
from markupsafe import Markup


@lru_cache(maxsize=1)
def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=[], output_format="xhtml")
    # Escape raw HTML instead of passing it through (both block and inline).
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.inlinePatterns.deregister("entity")
    # A block is one paragraph (docs/MANUSCRIPT.md): no lists, headings, quotes, code blocks or
    # rules. Otherwise "2. 加强……" became a list that dropped its "2." from every edition (and
    # showed "1." in reading apps), a paragraph of "---" vanished, and "a" over "===" was a
    # heading in print but text in the EPUB.
    for name in BLOCK_CONSTRUCTS:
        md.parser.blockprocessors.deregister(name)
    for name in ("link", "image_link", "reference", "image_reference", "short_reference",
                 "short_image_ref"):  # fmt: skip
        _bound_link_scan(md.inlinePatterns[name])
    md.treeprocessors.register(_Flatten(md), "zhpress-flatten", 15)  # after "inline" (20)
    return md


NESTING_LIMIT = 16
"""Inline elements (emphasis, bold, links) nested deeper than this are flattened into text.

5,000 ``*`` around a word made 2,500 nested <strong>: lxml refuses a document that deep
("Excessive depth in document: 256") and the build crashed. The text is kept; only the
markup beyond this depth (which no reader could see anyway) is dropped."""


class _Flatten(markdown.treeprocessors.Treeprocessor):
    """Replace what lies deeper than ``NESTING_LIMIT`` by its text (iteratively: no
    recursion however deep the tree)."""

    def run(self, root):  # type: ignore[no-untyped-def]
        stack = [(root, 0)]
        while stack:
            element, depth = stack.pop()
            if depth >= NESTING_LIMIT and len(element):
                element.text = _text_inside(element)
                for child in list(element):
                    element.remove(child)
                continue
            stack.extend((child, depth + 1) for child in element)
        return None


def _text_inside(element) -> str:  # type: ignore[no-untyped-def]
    """The text of ``element``'s content in document order (its own tail excluded)."""
    out: list[str] = []
    stack = [(element, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            if node is not element and node.tail:
                out.append(node.tail)
            continue
        if node.text:
            out.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return "".join(out)


LINK_PART_LIMIT = 2048
"""The longest link destination (with its title) Markdown looks for, in characters.

Python-Markdown scans from every ``](`` to the end of the block for the closing parenthesis,
so ``[a](b`` typed 5,000 times took 34 s (quadratic); a longer destination is read as text."""

BRACKET_DEPTH_LIMIT = 8
"""Square brackets nested deeper than this are text, not link syntax (``_linear_brackets``)."""


def _bound_link_scan(processor: object) -> None:
    """Bound a link processor's ``(...)`` scan by ``LINK_PART_LIMIT``, skipped at C speed
    when no ``)`` is within reach; find the ``]`` of its ``[...]`` by jumping from bracket to
    bracket (the same answer as Python-Markdown's walk over every character)."""
    get_link = processor.getLink  # type: ignore[attr-defined]

    def getText(data: str, index: int) -> tuple[str, int, bool]:
        count = 1
        for found in _BRACKET.finditer(data, index):
            count += 1 if found.group() == "[" else -1
            if count == 0:
                return data[index : found.start()], found.end(), True
        return data[index:], len(data), False

    def getLink(data: str, index: int) -> tuple[str, str | None, int, bool]:
        if data.find(")", index, index + LINK_PART_LIMIT) < 0:
            return "", None, index, False
        href, title, end, handled = get_link(data[index : index + LINK_PART_LIMIT], 0)
        return href, title, end + index, handled

    processor.getLink = getLink  # type: ignore[attr-defined]
    processor.getText = getText  # type: ignore[attr-defined]


_BRACKET = re.compile(r"[\[\]]")


_BRACKET_TOKEN = re.compile(r"\\.|[\[\]]", re.DOTALL)


def _linear_brackets(text: str) -> str:
    """Write as a character reference (``&#91;``) each ``[`` that cannot open a link: one
    without its ``]``, or nested deeper than ``BRACKET_DEPTH_LIMIT`` (with its ``]``). They
    read the same, but Python-Markdown no longer scans from each of them to the end of the
    block (5,000 unclosed ``[`` took minutes); a reference, unlike a backslash escape, is no
    match for Markdown to rebuild the block around. Code spans are left as they are."""
    if "[" not in text:
        return text
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        if "[" in parts[i]:
            parts[i] = _escape_brackets(parts[i])
    return "`".join(parts)


def _escape_brackets(text: str) -> str:
    opened: list[int] = []
    pairs: dict[int, int] = {}  # "[" -> its "]"
    for token in _BRACKET_TOKEN.finditer(text):
        char = token.group()
        if char == "[":
            opened.append(token.start())
        elif char == "]" and opened:
            pairs[opened.pop()] = token.start()
    escape = set(opened)  # never closed
    # Depth among the pairs alone: an unclosed "[" encloses nothing.
    closing: list[int] = []
    for start in sorted(pairs):
        while closing and closing[-1] < start:
            closing.pop()
        if len(closing) >= BRACKET_DEPTH_LIMIT:
            escape.update((start, pairs[start]))
        closing.append(pairs[start])
    if not escape:
        return text
    pieces, last = [], 0
    for index in sorted(escape):
        pieces += [text[last:index], "&#91;" if text[index] == "[" else "&#93;"]
        last = index + 1
    pieces.append(text[last:])
    return "".join(pieces)


BLOCK_CONSTRUCTS = ("indent", "code", "hashheader", "setextheader", "hr", "olist", "ulist", "quote")


_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def _literal_entities(text: str) -> str:
    """'&copy;' typed in a manuscript is seven characters of text, not ©: Python-Markdown
    passes character references through, so their '&' is escaped first (outside code spans,
    whose content Markdown escapes itself)."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = _ENTITY.sub("&amp;", parts[i])
    return "`".join(parts)


@lru_cache(maxsize=256)
def markdown_inline(text: str) -> Markup:
    """One manuscript block as inline HTML (no wrapping <p>), raw HTML escaped, character
    references kept as text, soft line breaks resolved (see ``join_soft_breaks_html``).

    Remembered: each block is read by every edition and by the checks (seven times over)."""
    md = _markdown()
    md.reset()
    html = md.convert(_linear_brackets(_literal_entities(text)))
    if html.startswith("<p>") and html.endswith("</p>"):
        html = html[3:-4]
    return Markup(join_soft_breaks_html(html))


_TAG = re.compile(r"(<[^>]*>)")
_BREAK = re.compile(r"[ \t]*\n[ \t]*")


def join_soft_breaks_html(html: str) -> str:
    """A line break inside a block: nothing between Chinese, a space between words.

    Resolved after Markdown, on its HTML, so that every edition reads the same Markdown:
    joining the lines first (as the EPUB once did) turned "ぁ" over "_0_" into "ぁ_0_", text
    in the EPUB but emphasis in print. The neighbours of a break are found across tags.
    """
    if "\n" not in html:
        return html
    from html import unescape

    parts = _TAG.split(html)
    visible = [unescape(p) if i % 2 == 0 else "" for i, p in enumerate(parts)]

    def before(index: int, head: str) -> str:
        if head:
            return unescape(head)[-1]
        for k in range(index - 2, -1, -2):
            if visible[k].strip():
                return visible[k].rstrip()[-1]
        return ""

    def after(index: int, tail: str) -> str:
        if tail.strip():
            return unescape(tail.lstrip())[0]
        for k in range(index + 2, len(parts), 2):
            if visible[k].strip():
                return visible[k].lstrip()[0]
        return ""

    for index in range(0, len(parts), 2):
        if "\n" not in parts[index]:
            continue
        pieces = _BREAK.split(parts[index])
        out = pieces[0]
        for k, piece in enumerate(pieces[1:], 1):
            out += _join_soft_break(before(index, out), after(index, "".join(pieces[k:])))
            out += piece
        parts[index] = out
        visible[index] = unescape(out)
    return "".join(parts)


# --- Print: styled runs in, composed lines out ------------------------------------------------

# Inline Markdown in a paragraph picks a face for its run: bold is the real bold face of the
# paragraph's family, emphasis is set in kai (the Chinese way to emphasise, never a slanted CJK).
EMPHASIS_ROLE = {"strong": "-bold", "b": "-bold", "em": "kai", "i": "kai"}


def _join_soft_break(before: str, after: str) -> str:
    """A line break inside a Markdown block: nothing between Chinese, a space between words."""
    from ..cjk import is_wide

    if not before or not after or is_wide(before[-1]) or is_wide(after[0]):
        return ""
    return " "


def runs_from_markdown(text: str, role: str) -> list[tuple[str, str]]:
    """The visible text of one manuscript block as ``[(text, face role)]`` runs."""
    from html.parser import HTMLParser

    runs: list[tuple[str, str]] = []
    stack = [role]

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            change = EMPHASIS_ROLE.get(tag)
            current = stack[-1]
            if change == "-bold":
                stack.append(current if current.endswith("-bold") else f"{current}-bold")
            elif change:
                stack.append("kai-bold" if current.endswith("-bold") else change)
            else:
                stack.append(current)

        def handle_endtag(self, tag):
            if len(stack) > 1:
                stack.pop()

        def handle_data(self, data):
            if data:
                runs.append((data, stack[-1]))

    parser = Parser(convert_charrefs=True)
    parser.feed(str(markdown_inline(text)))
    parser.close()
    merged: list[tuple[str, str]] = []
    for data, face in runs:
        pieces = data.split("\n")
        data = pieces[0]
        for piece in pieces[1:]:
            prev = merged[-1][0] if merged and not data else data
            data += _join_soft_break(prev, piece) + piece
        if merged and merged[-1][1] == face:
            merged[-1] = (merged[-1][0] + data, face)
        elif data:
            merged.append((data, face))
    return merged


def visible_text(text: str) -> str:
    """What a reader sees of one manuscript block (Markdown markup removed)."""
    return "".join(t for t, _ in runs_from_markdown(text, "serif"))
