"""``python -m zhpress ...``: the same command line as ``python build.py ...``."""

from .cli import run

if __name__ == "__main__":
    run()
