"""Render the Book model to HTML through the Jinja templates, shared by the PDF and EPUB.

Markdown is converted with Python-Markdown, but raw HTML in a manuscript is escaped, never
passed through: a manuscript is data, so no <script> or event attribute reaches an edition.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import markdown
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STYLES = ROOT / "styles"


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


@lru_cache(maxsize=4)
def environment(templates: Path = TEMPLATES) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(["html", "xhtml", "xml", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["markdown_inline"] = markdown_inline
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)


# --- Print: styled runs in, composed lines out ------------------------------------------------

# Inline Markdown in a paragraph picks a face for its run: bold is the real bold face of the
# paragraph's family, emphasis is set in kai (the Chinese way to emphasise, never a slanted CJK).
EMPHASIS_ROLE = {"strong": "-bold", "b": "-bold", "em": "kai", "i": "kai"}


def _join_soft_break(before: str, after: str) -> str:
    """A line break inside a Markdown block: nothing between Chinese, a space between words."""
    from .cjk import is_wide

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


def _pt(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _span(text: str, left: float = 0.0, right: float = 0.0, css: str = "", cls: str = "") -> str:
    """``text`` escaped, in a span only when it needs margins (in pt) or a style."""
    from markupsafe import escape

    styles = [css] if css else []
    if abs(left) > 5e-4:
        styles.append(f"margin-left:{_pt(left)}pt")
    if abs(right) > 5e-4:
        styles.append(f"margin-right:{_pt(right)}pt")
    if not styles and not cls:
        return str(escape(text))
    attrs = f' class="{cls}"' if cls else ""
    attrs += f' style="{";".join(styles)}"' if styles else ""
    return f"<span{attrs}>{escape(text)}</span>"


def lines_html(lines, base_role: str) -> Markup:
    """Composed lines as HTML, separated by newlines; a justified line is a span with its
    letter-spacing, marks compressed and Western runs spaced with margins. Never a character
    of layout: the text layer stays exactly the manuscript.

    letter-spacing adds its amount after every character of the line, so a gap that must
    differ from it (a compressed mark, 1/4 em, the inside of a Western word) is corrected
    with a margin on the character or the Western run.

    The 1/4 em between an ideograph and a Western run is not a margin but part of the
    ideograph: its wide form (``widegap``), so that no extractor reads a space there."""
    from . import widegap

    out: list[str] = []
    for number, line in enumerate(lines):
        if number:
            out.append("\n")
        s = line.spacing
        # Only a justified line needs its own span (for its letter-spacing): every element
        # is a box, a computed style and a structure element in the tagged PDF to WeasyPrint.
        # For the same reason lines end with a newline in a white-space: pre block, not a
        # <br> (an element with a generated '\A' of its own); the newline is a forced break,
        # never drawn, so the text layer is the same.
        if s:
            out.append(f'<span class="ln" style="letter-spacing:{_pt(s)}pt">')
        glyphs = line.glyphs
        last = len(glyphs) - 1
        role_open = base_role
        i = 0
        while i <= last:
            g = glyphs[i]
            if g.role != role_open:
                if role_open != base_role:
                    out.append("</span>")
                if g.role != base_role:
                    out.append(f'<span class="f-{g.role}">')
                role_open = g.role
            if g.western:
                # A Western word or number: no letter-spacing inside; its margins carry the
                # gaps on either side (1/4 em next to Chinese, justification next to marks).
                j = i
                while j < last and glyphs[j + 1].western and glyphs[j + 1].role == g.role:
                    j += 1
                # Only the piece of a run wider than the measure is letter-spaced (its gaps
                # are all the same); its last letter's spacing is taken back by the margin.
                inside = line.after[i] if j > i else 0.0
                left = line.after[i - 1] - s if i > 0 and not glyphs[i - 1].western else 0.0
                right = (line.after[j] if j < last else 0.0) - inside
                # Less the 1/4 em the ideograph beside it carries in its wide form (widegap).
                left -= glyphs[i - 1].pad_right if i > 0 else 0.0
                right -= glyphs[j + 1].pad_left if j < last else 0.0
                text = "".join(x.text for x in glyphs[i : j + 1])
                css = f"letter-spacing:{_pt(inside)}pt" if inside else "letter-spacing:0"
                out.append(_span(text, left, right, css=css, cls="w"))
                i = j + 1
                continue
            left = -line.trim_start if i == 0 else 0.0
            if i == last:
                right = -line.trim_end
            elif glyphs[i + 1].western:
                right = 0.0  # the Western run's margin-left carries this gap
            else:
                right = line.after[i] - s  # compression of adjacent marks
            wide_right = bool(g.pad_right) and i < last and glyphs[i + 1].western
            wide_left = bool(g.pad_left) and i > 0 and glyphs[i - 1].western
            out.append(_span(g.text, left, right, css=widegap.css(wide_right, wide_left)))
            i += 1
        if role_open != base_role:
            out.append("</span>")
        if s:
            out.append("</span>")
    return Markup("".join(out))
