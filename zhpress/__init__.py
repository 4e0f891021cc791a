"""zhpress: OCR'd Chinese newspaper pages to a manuscript, print PDFs and an EPUB 3.

The pipeline is linear and each stage is one module:

    reflow (import)  ->  manuscript (load)  ->  html (render)  ->  pdf / epub  ->  check

``cjk`` holds the character classes and text rules (CLREQ, GB/T 15834) shared by the importer
and the composer, ``compose`` breaks and justifies lines, ``fonts`` resolves faces to exact files.
``check`` preflights the editions, reading PDFs with ``pdfscan`` and comparing text with
``conserve``; ``pdfmeasure`` is its thorough typography measure.
"""

__version__ = "0.1.0"
