"""How the manuscript's Markdown reads, the same for every edition.

One block (docs/MANUSCRIPT.md: a block is one paragraph) as inline HTML for the EPUB and the
templates (``markdown_inline``), as runs of text in a face role for the composer
(``runs_from_markdown``: bold is the bold face, emphasis is kai), and as the text a reader
sees (``visible_text``, which the checks find in every edition).

Markdown is read with markdown-it-py (``blocks.py`` says why), and raw HTML in a manuscript is
escaped, never passed through: a manuscript is data, so no <script> or event attribute reaches
an edition; an HTML comment is an editor's note and reaches none.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from .blocks import parser
from .model import NO_INLINE, Block, Inline

CIRCLED = (
    [chr(0x2460 + i) for i in range(20)]
    + [chr(0x3251 + i) for i in range(15)]
    + [chr(0x32B1 + i) for i in range(15)]
)
"""①–㊿: a Chinese book numbers its notes in circled numbers."""

IMAGE_MARK = "\ufffc"
"""An inline image in the composer's runs: one em, replaced by the image in print."""


def note_mark(number: int) -> str:
    """The circled number of note ``number`` (①); past ㊿, the number in brackets."""
    return CIRCLED[number - 1] if 0 < number <= len(CIRCLED) else f"({number})"


@lru_cache(maxsize=1)
def _renderer():
    md = parser()

    def footnote_ref(tokens, idx, options, env):
        meta = tokens[idx].meta
        number = int(meta["id"]) + 1
        anchor = f' id="noteref-{number}"' if meta.get("subId", 0) == 0 else ""
        return (
            f'<a epub:type="noteref" role="doc-noteref" class="noteref" '
            f'href="#note-{number}"{anchor}>{note_mark(number)}</a>'
        )

    def html_inline(tokens, idx, options, env):
        content = tokens[idx].content
        return "" if content.startswith("<!--") else str(escape(content))

    rules = md.renderer.rules
    rules["footnote_ref"] = footnote_ref
    rules["html_inline"] = html_inline
    return md


def _env(inline: Inline) -> dict:
    refs = {":" + label: number - 1 for label, number in inline.notes}
    listed = {number - 1: {"label": label, "count": 0} for label, number in inline.notes}
    references = {label: {"href": href, "title": ""} for label, href, _ in inline.references}
    return {"references": references, "footnotes": {"refs": refs, "list": listed}}


@lru_cache(maxsize=4096)
def _inline_html(text: str, inline: Inline) -> str:
    md = _renderer()
    env = _env(inline)
    tokens = md.parseInline(text, env)
    children = tokens[0].children if tokens else []
    html = md.renderer.renderInline(children or [], md.options, env)
    return html.replace("<br />", "\n")


def markdown_inline(text: str, inline: Inline = NO_INLINE) -> Markup:
    """One manuscript block's inline Markdown as HTML (no wrapping <p>): raw HTML escaped,
    comments dropped, character references kept as text, footnote calls as circled numbers
    linking to their notes, soft line breaks resolved (see ``join_soft_breaks_html``)."""
    return Markup(join_soft_breaks_html(_inline_html(text, inline)))


def block_html(block: Block) -> Markup:
    """``markdown_inline`` of a block's text, with its chapter's references and notes."""
    return markdown_inline(block.text, block.inline)


def inline_images(block: Block) -> list[tuple[str, str]]:
    """(target, alt) of each inline image of a block, in order."""
    from html import unescape

    found = re.findall(r'<img src="([^"]*)" alt="([^"]*)"', str(block_html(block)))
    return [(unescape(src), unescape(alt)) for src, alt in found]


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


def runs_from_markdown(text: str, role: str, inline: Inline = NO_INLINE) -> list[tuple[str, str]]:
    """The visible text of one manuscript block as ``[(text, face role)]`` runs. A footnote
    call is a run of its own in the "note-call" role (its circled number, set small and
    raised); an inline image is ``IMAGE_MARK`` in the "image" role (one em)."""
    from html.parser import HTMLParser

    runs: list[tuple[str, str]] = []
    stack = [role]

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            change = EMPHASIS_ROLE.get(tag)
            current = stack[-1]
            if tag == "img":
                runs.append((IMAGE_MARK, "image"))
                return
            if tag == "a" and ("class", "noteref") in attrs:
                stack.append("note-call")
            elif change == "-bold":
                stack.append(current if current.endswith("-bold") else f"{current}-bold")
            elif change:
                stack.append("kai-bold" if current.endswith("-bold") else change)
            else:
                stack.append(current)

        def handle_startendtag(self, tag, attrs):
            if tag == "img":
                runs.append((IMAGE_MARK, "image"))

        def handle_endtag(self, tag):
            if len(stack) > 1:
                stack.pop()

        def handle_data(self, data):
            if data:
                runs.append((data, stack[-1]))

    parser = Parser(convert_charrefs=True)
    parser.feed(str(markdown_inline(text, inline)))
    parser.close()
    merged: list[tuple[str, str]] = []
    for data, face in runs:
        pieces = data.split("\n")
        data = pieces[0]
        for piece in pieces[1:]:
            prev = merged[-1][0] if merged and not data else data
            data += _join_soft_break(prev, piece) + piece
        if merged and merged[-1][1] == face and face != "image":
            merged[-1] = (merged[-1][0] + data, face)
        elif data:
            merged.append((data, face))
    return merged


def block_runs(block: Block, role: str) -> list[tuple[str, str]]:
    """``runs_from_markdown`` of a block, with its chapter's references and notes."""
    return runs_from_markdown(block.text, role, block.inline)


def visible_text(text: str, inline: Inline = NO_INLINE) -> str:
    """What a reader sees of one manuscript block (Markdown markup removed; an inline image
    is a picture, not text)."""
    return "".join(t for t, r in runs_from_markdown(text, "serif", inline) if r != "image")


def block_text(block: Block) -> str:
    """What a reader sees of a block: a note begins with its circled number."""
    text = visible_text(block.text, block.inline)
    return note_mark(int(block.info)) + text if block.kind == "note" else text


def list_marker(block: Block, n: int) -> str:
    """What the print editions show before item ``n`` (from 0) of an "ol" or "ul" block: the
    item's number and a full stop, or a bullet. The markers are the list's, not the
    manuscript's text (CommonMark numbers a list from its first number)."""
    if block.kind == "ol":
        return f"{int(block.info or 1) + n}."
    return "•"
