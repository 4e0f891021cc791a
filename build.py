#!/usr/bin/env python3
"""Entry point for editors: ``python build.py --help``. All logic lives in the zhpress package."""

from zhpress.cli import run

if __name__ == "__main__":
    run()
