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
    return md


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


def markdown_inline(text: str) -> Markup:
    """One manuscript block as inline HTML (no wrapping <p>), raw HTML escaped, character
    references kept as text, soft line breaks resolved (see ``join_soft_breaks_html``)."""
    md = _markdown()
    md.reset()
    html = md.convert(_literal_entities(text))
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
