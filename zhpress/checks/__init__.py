"""Stage 5, the checks: the manuscript and the written editions in, a table of findings out.

In: a ``Book`` and the paths of its editions. Out: ``Finding`` rows (edition, check, status,
message); an error fails the build. The PDFs are read directly (``pdfscan``); the text
check (``text_reaches_editions``) proves every manuscript character reaches every edition in
order; ``pdfmeasure`` is the thorough, character-by-character typography measure.
"""
