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
