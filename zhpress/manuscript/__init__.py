"""Stage 2, the manuscript: the contract every other stage reads, and the only thing it reads.

In: a ``book/`` folder (``book.yaml`` and one Markdown file per contribution, written by the
importer and corrected by an editor). Out: an immutable ``Book`` model, or a ``BookError``
naming the file and line. ``references`` keeps the manuscript inside its folder: no reference
leaves it, and WeasyPrint reads nothing else.
"""
