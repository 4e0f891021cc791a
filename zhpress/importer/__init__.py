"""Stage 1, the importer: one OCR'd newspaper page (bytes) in, a first-draft manuscript out.

In: a text file as an OCR engine wrote it. Out: a ``book/`` folder in the manuscript contract
(docs/MANUSCRIPT.md), read back with ``manuscript.load`` before it replaces anything, and an
account of every source character (``accounting``).

``decode`` (bytes to text) -> ``page`` (blocks by shape) -> ``paragraphs`` (lines to
paragraphs) -> ``headings`` and ``articles`` (one article per panelist) -> ``normalize`` (the
four text rules) -> ``names`` (chapter file names) -> ``draft`` (puts them together, writes the
folder atomically).
"""
