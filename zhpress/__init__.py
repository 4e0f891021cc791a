"""zhpress: OCR'd Chinese newspaper pages to a manuscript, print PDFs and an EPUB 3.

One sub-package per stage, in the order the data flows (docs/ARCHITECTURE.md):

    importer/    an OCR'd page          -> a first-draft manuscript folder (book/)
    manuscript/  the book/ folder       -> the Book model (the contract every stage reads)
    typeset/     the Book               -> a plan, subset fonts, every line composed (CLREQ)
    editions/    the Book, its lines    -> reader PDF, press PDF, EPUB 3
    checks/      the Book, the editions -> findings (the text reaches every edition, ...)
    builder/     the whole story, fast: load -> compose -> write -> check, watch, state
    cli.py       the command line on top

A stage imports only the stages above it in this list and the shared low-level modules
(``errors``, ``cjk``: the CLREQ character classes shared by the importer and the composer,
``cache``, ``pinyin``); ``lint-imports`` enforces it (pyproject.toml, [tool.importlinter]).
The importer and typesetting never import each other: the manuscript is between them.
"""

__version__ = "0.1.0"
