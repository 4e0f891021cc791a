"""Command line: ``python build.py [build|import|check] ...``.

Thin by design: it parses arguments, calls one stage function, and turns the project's
errors into a message and an exit code (0 ok, 1 checks failed, 2 bad input, usage or a
file-system fault, 70 a bug of ours: one line, the traceback in a log file; ``crash``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .errors import EXIT_BAD_INPUT, EXIT_OK, ZhpressError, file_system_error

EDITIONS = ("reader", "press", "epub")
COMMANDS = ("build", "import", "check", "watch")


OUT_HELP = (
    "output folder (default: dist/ for the book/ of the current folder, else DIR/dist/ "
    "inside the book folder)"
)


def _positive(text: str) -> int:
    """``--jobs``: a whole number of processes, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python build.py",
        description="Typeset a Chinese manuscript (book/) into a reader PDF, a press PDF and an "
        "EPUB 3; import an OCR'd newspaper page into a manuscript.",
        epilog="Exit codes: 0 success, 1 checks found errors, 2 bad input, usage or a "
        "file-system fault, 70 a bug in zhpress (the message names its log file).",
    )
    parser.add_argument("--version", action="version", version=f"zhpress {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = sub.add_parser("build", help="build every edition into dist/ (the default command)")
    build.add_argument("--book", type=Path, default=Path("book"), help="manuscript folder")
    build.add_argument("--out", type=Path, help=OUT_HELP)
    build.add_argument(
        "--only", action="append", choices=EDITIONS, help="build only this edition (repeatable)"
    )
    build.add_argument("--no-check", action="store_true", help="skip the fast output checks")
    build.add_argument(
        "--force",
        action="store_true",
        help="rebuild editions even when nothing changed; build into a folder that holds "
        "another book's editions",
    )
    build.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        metavar="N",
        help="write editions in N processes at once (default: one per core; 1: one by one)",
    )
    build.add_argument(
        "--no-wait",
        action="store_true",
        help="if another build is writing into the output folder, stop at once (exit 2, "
        "naming it) instead of waiting for it",
    )

    imp = sub.add_parser("import", help="turn OCR'd pages (text files) into a manuscript folder")
    imp.add_argument(
        "source",
        type=Path,
        nargs="+",
        help="the OCR text file of a page; several pages (or a folder of *.txt pages, in name "
        "order) make a book of parts",
    )
    imp.add_argument("--title", help="the book's own title (required for a book of several pages)")
    imp.add_argument("--out", type=Path, default=Path("book"), help="manuscript folder to write")
    imp.add_argument("--force", action="store_true", help="overwrite a non-empty folder")
    imp.add_argument(
        "--report", action="store_true", help="account for every input character on stdout"
    )

    check = sub.add_parser("check", help="preflight the editions in dist/ and print findings")
    check.add_argument("--book", type=Path, default=Path("book"), help="manuscript folder")
    check.add_argument("--out", type=Path, help="folder of the editions (default: as for build)")
    watch = sub.add_parser("watch", help="rebuild whenever book/, templates/ or styles/ change")
    watch.add_argument("--book", type=Path, default=Path("book"), help="manuscript folder")
    watch.add_argument("--out", type=Path, help=OUT_HELP)
    watch.add_argument(
        "--only", action="append", choices=EDITIONS, help="watch only this edition (repeatable)"
    )
    return parser


def _with_default_command(argv: list[str]) -> list[str]:
    """``python build.py`` and ``python build.py --book X`` mean ``build``."""
    if not argv:
        return ["build"]
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return argv
    if first.startswith("-"):
        return ["build", *argv]
    return argv


def _stand_by(only: list[str] | None, jobs: int | None) -> None:
    """A build of one print edition (``--only reader``: the quick proof while editing) spends
    most of its time importing WeasyPrint in a child process; fork that child first thing."""
    import os

    prints = {e for e in (only or EDITIONS) if e in ("reader", "press")}
    if len(prints) != 1 or not hasattr(os, "fork"):
        return
    from .builder.parallel import default_jobs, stand_by

    if (jobs or default_jobs()) > 1:
        stand_by(prints.pop())


def _stdout_broken() -> bool:
    """Whether standard output refuses writes (a full device, a closed pipe); if so it is
    replaced by the null device, so that nothing at exit tries it again."""
    try:
        sys.stdout.flush()
        os.write(sys.stdout.fileno(), b"")  # a full device refuses even nothing
    except (OSError, ValueError):
        sys.stdout = open(os.devnull, "w")  # lives until the process ends
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    args_list = _with_default_command(list(sys.argv[1:] if argv is None else argv))
    parser = _parser()
    args = parser.parse_args(args_list)  # exits 2 with a usage message on bad usage
    if getattr(args, "book", None) is not None and getattr(args, "out", "") is None:
        from .builder.output_folder import default_out

        args.out = default_out(args.book)
    try:
        if args.command == "build":
            _stand_by(args.only, args.jobs)
            from .builder.pipeline import build

            return build(
                args.book,
                args.out,
                only=args.only,
                run_checks=not args.no_check,
                force=args.force,
                jobs=args.jobs,
                wait=not args.no_wait,
            )
        if args.command == "import":
            from .importer.volume import import_pages

            return import_pages(
                args.source, args.out, title=args.title, force=args.force, report=args.report
            )
        if args.command == "check":
            from .checks.run import run_check

            return run_check(args.book, args.out)
        if args.command == "watch":
            from .builder.watch import watch

            return watch(args.book, args.out, only=tuple(args.only or EDITIONS))
    except ZhpressError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # the disk refused: the editor's to fix, not a bug
        where = "standard output" if exc.filename is None and _stdout_broken() else None
        print(f"error: {file_system_error(exc, where)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted; previous outputs are untouched", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug of ours: one line, the traceback in a log file
        from .crash import report_bug

        return report_bug(exc)
    finally:
        if "zhpress.builder.parallel" in sys.modules:
            sys.modules["zhpress.builder.parallel"].dismiss()
    parser.print_usage(sys.stderr)
    return EXIT_BAD_INPUT if args.command else EXIT_OK


def run() -> None:
    """``build.py``'s entry: ``main``, then leave without tearing the interpreter down.

    Freeing every imported module and object at exit took 30-50 ms of each build, after the
    editions were written and reported. The exit handlers still run (temporary folders are
    removed) and the output is flushed; only the teardown is skipped."""
    import atexit
    import os
    import signal

    def terminated(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    # SIGTERM (a tool or CI stopping a build) ends the command the way Ctrl-C does: forked
    # editions stopped, temporary files removed, the previous editions left as they were.
    signal.signal(signal.SIGTERM, terminated)
    try:
        code = main()
    except SystemExit as exc:  # argparse: --help, --version, bad usage; SIGTERM
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
        if code == 128 + signal.SIGTERM:
            print("terminated; previous outputs are untouched", file=sys.stderr)
    if _stdout_broken():  # the last of the output did not reach a full disk or closed pipe
        print("error: standard output: could not write the output", file=sys.stderr)
        code = code or EXIT_BAD_INPUT
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    run()
