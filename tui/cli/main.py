"""The `bigram-tui` command: the app with no subcommand, or headless stats/score/sample/train.

Subcommands print plain text, or strict JSON with --json. Strict JSON has no infinity,
so an infinite value (log-probability -inf of a bigram the data never shows, NLL inf of
a word containing one) is written as the string "-inf" or "inf"; every other number is a
JSON number at full precision (see `output`).

Errors print exactly one line on stderr; the exit statuses are listed in `errors`. Only
the project's own errors (core.errors.BigramTuiError and the data modules' errors) are
"expected", exit 2; anything else is an internal error, exit 1. Tracebacks appear only
with BIGRAM_TUI_DEBUG=1.

This module runs the command and handles errors; `parser` holds the grammar, and each
subcommand has a module of its own (`stats`, `score`, `sample`, `train`, `tune`; shared
helpers in `common`, text and JSON in `output`). Neither torch nor textual is imported
at module level, so `bigram-tui --help` answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from collections.abc import Callable

from bigram_tui.core.defaults import DEFAULT_ORDER, DEFAULT_SEED
from bigram_tui.core.errors import BigramTuiError, SaveFailed

from . import sample, score, stats, train, tune
from .common import check_files
from .errors import (
    DEBUG_ENV_VAR,
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_USAGE,
    OutputError,
    UsageError,
    fail,
    flush_output,
    silence_stdout,
)
from .parser import parse
from .serve import run_serve

# --- running --------------------------------------------------------------------------


def _run_app(args: argparse.Namespace) -> int:
    from bigram_tui.tui.app.app import run_app

    seed = DEFAULT_SEED if args.app_seed is None else args.app_seed
    order = DEFAULT_ORDER if args.app_order is None else args.app_order
    # The subcommands' rule and words: both files or neither (--data is then train).
    files = check_files(
        argparse.Namespace(dev=args.app_dev, test=args.app_test, split=None, split_seed=None)
    )
    dev, test = (None, None) if files is None else (str(files[0]), str(files[1]))
    return run_app(
        data=args.app_data, seed=seed, mouse=not args.no_mouse, truecolor=args.truecolor,
        order=order, load=args.app_load, screenshots=args.app_screenshots,
        dev=dev, test=test, stream=args.app_stream,
    )  # fmt: skip


def _check_app_only_options(args: argparse.Namespace) -> None:
    app_only = [
        ("--no-mouse", args.no_mouse),
        ("--truecolor", args.truecolor),
        ("--screenshots", args.app_screenshots is not None),
        ("--order", args.app_order is not None),
        ("--load", args.app_load is not None),
        ("--dev", args.app_dev is not None),
        ("--test", args.app_test is not None),
        ("--stream", args.app_stream),
    ]
    for flag, given in app_only:
        if given:
            # stats, score, sample and train have an --order (and some a --load) of their own.
            own = ("--order", "--load", "--dev", "--test", "--stream")
            after = f", or give `{args.command} {flag}`" if flag in own else ""
            raise UsageError(
                f"{flag} is an option of the app; drop it from `{args.command}`{after}"
            )


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "stats": stats.run,
    "score": score.run,
    "sample": sample.run,
    "train": train.run,
    "tune": tune.run,
}


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        return _run_app(args)
    if args.command == "serve":  # the app's options go on to each tab's app; no torch here
        return run_serve(args)
    _check_app_only_options(args)
    from bigram_tui.core.session import settle_threads

    settle_threads()  # one thread for small work, the pool only where it gains (core.threads)
    return _COMMANDS[args.command](args)


def _expected_errors() -> tuple[type[BaseException], ...]:
    from bigram_tui.core.session import DataError, DatasetUnavailable

    return (BigramTuiError, DataError, DatasetUnavailable)


def _run(argv: list[str] | None) -> int:
    try:
        args = parse(argv)
    except SystemExit as exit_request:  # --help, --version, or a usage error already printed
        code = exit_request.code
        return code if isinstance(code, int) else EXIT_OK
    except OutputError as exc:  # --help or --version to a full device: not a success
        silence_stdout()
        fail(f"cannot write the output ({exc}); check where standard output goes")
        return EXIT_OUTPUT
    try:
        status = _dispatch(args)
        flush_output()  # a closed pipe or a full disk must fail here, inside the handlers
        return status
    except SaveFailed as exc:  # the path was fine; the disk was not
        fail(str(exc))
        return EXIT_OUTPUT
    except _expected_errors() as exc:
        fail(str(exc))
        return EXIT_USAGE
    except OutputError as exc:
        silence_stdout()
        fail(f"cannot write the output ({exc}); check where standard output goes")
        return EXIT_OUTPUT


def _escape_unencodable_output() -> None:
    # A character the terminal's encoding lacks (the '…' of a cut name on an ASCII
    # terminal, say) is written escaped rather than ending the run with an error.
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    debug = os.environ.get(DEBUG_ENV_VAR) == "1"
    _escape_unencodable_output()
    try:
        with warnings.catch_warnings():
            if not debug:
                # Library warnings (torch's, say) are not for the user of a finished tool.
                warnings.simplefilter("ignore")
            return _run(argv)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        if debug:
            raise
        fail(
            f"internal error: {type(exc).__name__}: {exc}; "
            f"rerun with {DEBUG_ENV_VAR}=1 for the traceback and report it"
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
