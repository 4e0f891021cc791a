"""Render the Book model to HTML through the Jinja templates, shared by the PDF and EPUB.

Markdown is converted with Python-Markdown, but raw HTML in a manuscript is escaped, never
passed through: a manuscript is data, so no <script> or event attribute reaches an edition.
"""

from __future__ import annotations

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
    return md


def markdown_inline(text: str) -> Markup:
    """One manuscript block as inline HTML (no wrapping <p>), raw HTML escaped."""
    md = _markdown()
    md.reset()
    html = md.convert(text)
    if html.startswith("<p>") and html.endswith("</p>"):
        html = html[3:-4]
    return Markup(html)


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


def lines_html(lines, base_role: str) -> Markup:
    """Composed lines as HTML: one span per line, separated by <br>, justified with
    letter-spacing, marks compressed and Western runs spaced with margins. Never a character
    of layout: the text layer stays exactly the manuscript."""
    from markupsafe import escape

    out: list[str] = []
    for number, line in enumerate(lines):
        if number:
            out.append("<br>")
        s = line.spacing
        out.append(
            f'<span class="ln" style="letter-spacing:{_pt(s)}pt">' if s else '<span class="ln">'
        )
        glyphs = line.glyphs
        after = (*line.after, 0.0)
        i = 0
        role_open = None
        while i < len(glyphs):
            g = glyphs[i]
            if g.role != role_open:
                if role_open is not None and role_open != base_role:
                    out.append("</span>")
                if g.role != base_role:
                    out.append(f'<span class="f-{g.role}">')
                role_open = g.role
            if g.western:
                j = i
                while (
                    j + 1 < len(glyphs) and glyphs[j + 1].western and glyphs[j + 1].role == g.role
                ):
                    j += 1
                left = after[i - 1] - s if i > 0 and not glyphs[i - 1].western else 0.0
                right = after[j] if j + 1 < len(glyphs) else 0.0
                style = "letter-spacing:0"
                if abs(left) > 5e-4:
                    style += f";margin-left:{_pt(left)}pt"
                if abs(right) > 5e-4:
                    style += f";margin-right:{_pt(right)}pt"
                text = "".join(x.text for x in glyphs[i : j + 1])
                out.append(f'<span class="w" style="{style}">{escape(text)}</span>')
                i = j + 1
                continue
            extra = after[i] - s if i + 1 < len(glyphs) else -line.trim_end
            if i + 1 < len(glyphs) and glyphs[i + 1].western:
                extra = 0.0  # the Western run's margin-left carries this gap
            start = -line.trim_start if i == 0 else 0.0
            if g.text.isspace() and i + 1 == len(glyphs):
                # A space where a line breaks is kept in the text layer (copy gives the words
                # apart) but hangs, unseen, past the measure.
                out.append(f'<span style="white-space:pre">{escape(g.text)}</span>')
            elif abs(extra) > 5e-4 or abs(start) > 5e-4:
                style = f"margin-right:{_pt(extra)}pt" if abs(extra) > 5e-4 else ""
                if abs(start) > 5e-4:
                    style = f"margin-left:{_pt(start)}pt" + (";" + style if style else "")
                out.append(f'<span style="{style}">{escape(g.text)}</span>')
            else:
                out.append(str(escape(g.text)))
            i += 1
        if role_open is not None and role_open != base_role:
            out.append("</span>")
        out.append("</span>")
    return Markup("".join(out))
