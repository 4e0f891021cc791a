"""Stage 3, typesetting: the Book model in, every line of the print editions set.

In: a ``Book``. Out: a ``Plan`` (``plan``: every piece of text, its face, size and mode, on
the page ``geometry``), the faces as exact subset files (``fonts``), and every piece broken
into justified lines (``composed_book``, with zhpress's own CLREQ line composer ``compose``
and the advances of the files the PDFs embed), with their HTML (``html_lines``).
"""
