"""The Jinja templates (templates/) and styles (styles/) the editions are rendered with.

Both the print book and the EPUB's documents come from one environment: autoescaped, strict
about undefined names, with the manuscript's Markdown as the ``markdown_inline`` filter.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..manuscript.markdown import markdown_inline

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
STYLES = ROOT / "styles"


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
