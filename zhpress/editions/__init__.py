"""Stage 4, the editions: the Book and its composed lines in, three files out.

In: a ``Book`` (and, for the PDFs, the typeset lines). Out: the reader PDF and the press PDF
(laid out by WeasyPrint, ``pdf`` and ``pdfwrite``) and the EPUB 3 (``epub``, with a ``cover``
rendered from the print opening page), each written to the path it is given.
"""
