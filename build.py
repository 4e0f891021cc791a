#!/usr/bin/env python3
"""Entry point for editors: ``python build.py --help``. All logic lives in the zhpress package."""

import sys

from zhpress.cli import main

if __name__ == "__main__":
    sys.exit(main())
