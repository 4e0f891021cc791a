"""Stage 3, typesetting: the Book model in, every line of the print editions set.

In: a ``Book``. Out: the faces as exact subset files, and every piece of text (paragraph,
heading, name, label) broken into justified lines by zhpress's own CLREQ line composer
(``compose``), with the font advances of the files the PDFs embed (``fonts``).
"""
