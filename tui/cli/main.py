"""The `bigram-tui` command: the app with no subcommand, or headless stats/score/sample/train.

Subcommands print plain text, or strict JSON with --json. Strict JSON has no infinity,
so an infinite value (log-probability -inf of a bigram the data never shows, NLL inf of
a word containing one) is written as the string "-inf" or "inf"; every other number is a
JSON number at full precision (see `cli_output`).

Errors print exactly one line on stderr and exit 2 (bad arguments or bad input), 130
(Ctrl-C), or 1 ("internal error", a bug). Tracebacks appear only with BIGRAM_TUI_DEBUG=1.

This module parses the arguments and handles errors; the four subcommands live in
`cli_commands`. Neither torch nor textual is imported at module level: the commands import
the core inside their functions, so `bigram-tui --help` answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import textwrap
import warnings
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from bigram_tui.core import params
from bigram_tui.core.defaults import DEFAULT_EPOCHS, DEFAULT_LR, DEFAULT_MAX_LENGTH, DEFAULT_SEED
from bigram_tui.core.params import ParameterError

from . import output as cli_output
from .commands import (
    DEBUG_ENV_VAR,
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    UsageError,
    sample,
    score,
    stats,
    train,
)

# argparse reads "-inf" and "-1e3" as flags (it only knows "-1" and "-1.5" as numbers), so
# `--smoothing -inf` failed with "expected one argument" instead of naming the bad value.
_NEGATIVE_NUMBER = re.compile(
    r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$", re.IGNORECASE
)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def error(self, message: str) -> NoReturn:
        # argparse prints the usage and the error on two or more lines; one line is enough.
        one_line = " ".join(message.split())
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line} (see {self.prog} --help)\n")


# --- argument types: thin wrappers over core.params, so a bad value fails before any work ---


def _argument_type(parse: Callable[[str], Any], name: str) -> Callable[[str], Any]:
    """`parse` as an argparse type; argparse names the flag, so the message drops the label."""

    def parse_argument(text: str) -> Any:
        try:
            return parse(text)
        except ParameterError as exc:
            raise argparse.ArgumentTypeError(exc.problem) from None

    parse_argument.__name__ = name  # argparse shows it in "invalid <name> value"
    return parse_argument


_lr = _argument_type(params.parse_lr, "lr")
_reg = _argument_type(params.parse_reg, "reg")
_smoothing = _argument_type(params.parse_smoothing, "smoothing")
_epochs = _argument_type(params.parse_epochs, "epochs")
_seed = _argument_type(params.parse_seed, "seed")
_max_length = _argument_type(params.parse_max_length, "max_length")
_name_count = _argument_type(params.parse_name_count, "name_count")
_top = _argument_type(lambda text: params.parse_positive_count(text, "top"), "top")
_every = _argument_type(lambda text: params.parse_positive_count(text, "every"), "every")


# --- the parser -----------------------------------------------------------------------

EPILOG = f"""\
With no command, the interactive app starts.

{textwrap.fill(cli_output.JSON_INFINITY_NOTE, width=88)}

The data is --data PATH, else ${{BIGRAM_TUI_DATA}}, else makemore's names.txt (downloaded
once and cached). Set {DEBUG_ENV_VAR}=1 to see tracebacks of internal errors.
"""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bigram-tui")
    except PackageNotFoundError:
        return "unknown"


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data",
        metavar="PATH",
        help="word list, one word per line (default: $BIGRAM_TUI_DATA, else names.txt)",
    )
    common.add_argument("--json", action="store_true", help="print strict JSON (see below)")
    return common


_SMOOTHING_OPTION: dict[str, Any] = {
    "type": _smoothing,
    "metavar": "K",
    "help": "add-k smoothing of the counts model (default 0: the raw counts)",
}


def _add_model_options(parser: argparse.ArgumentParser, kinds: tuple[str, ...], seed: str) -> None:
    """--model and the neural net's options; `seed` is the flag for the training seed."""
    group = parser.add_argument_group("model")
    group.add_argument("--model", choices=kinds, help="which bigram model (default counts)")
    group.add_argument("--smoothing", **_SMOOTHING_OPTION)
    group.add_argument(
        "--epochs", type=_epochs, help=f"neural: epochs to train (default {DEFAULT_EPOCHS})"
    )
    group.add_argument("--lr", type=_lr, help=f"neural: learning rate (default {DEFAULT_LR:g})")
    group.add_argument("--reg", type=_reg, help="neural: regularisation λ (default 0)")
    group.add_argument(
        seed,
        dest="train_seed",
        type=_seed,
        metavar="N",
        help=f"neural: seed of the initial weights (default {DEFAULT_SEED})",
    )
    group.add_argument(
        "--load",
        metavar="PATH",
        help="neural: use a model saved by `train --save` instead of training",
    )


def _add_stats(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "stats", parents=[common], prog=f"{PROG} stats", help="dataset statistics",
        description="Words, bigrams, vocabulary, the dataset's NLL and the most common bigrams.",
        epilog=cli_output.JSON_INFINITY_NOTE,
    )  # fmt: skip
    parser.add_argument("--smoothing", **_SMOOTHING_OPTION)
    parser.add_argument(
        "--top", type=_top, default=10, metavar="N", help="bigrams to list (default 10)"
    )


def _add_score(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "score", parents=[common], prog=f"{PROG} score", help="probability of words",
        description="Probability and log-probability of each bigram of each word, and the "
        "word's log-likelihood, NLL and mean NLL.",
        epilog=cli_output.JSON_INFINITY_NOTE,
    )  # fmt: skip
    parser.add_argument("words", nargs="+", metavar="WORD", help="words to score")
    _add_model_options(parser, ("counts", "neural", "uniform"), seed="--seed")
    parser.set_defaults(train_seed_flag="--seed")


def _add_sample(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "sample", parents=[common], prog=f"{PROG} sample", help="sample names",
        description="Sample names, one per line; a name stopped by --max-length ends in '…'. "
        "The defaults print the lecture's names: mor, axx, minaymoryles, …",
        epilog=cli_output.JSON_INFINITY_NOTE,
    )  # fmt: skip
    parser.add_argument(
        "-n", dest="count", type=_name_count, default=20, help="names to sample (default 20)"
    )
    parser.add_argument(
        "--seed", type=_seed, metavar="N", help=f"sampling seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--sampler",
        choices=params.SAMPLERS,
        default="classic",
        help="classic: inverse CDF, as in the lecture; torch: today's torch.multinomial",
    )
    parser.add_argument(
        "--max-length",
        type=_max_length,
        default=DEFAULT_MAX_LENGTH,
        metavar="N",
        help=f"stop a name after N characters (default {DEFAULT_MAX_LENGTH})",
    )
    parser.add_argument("--trace", action="store_true", help="show every draw")
    _add_model_options(parser, ("counts", "neural", "uniform"), seed="--train-seed")
    parser.set_defaults(train_seed_flag="--train-seed")


def _add_train(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "train", parents=[common], prog=f"{PROG} train", help="train the neural net",
        description="Train the one-hot neural bigram by gradient descent, printing the loss.",
        epilog=cli_output.JSON_INFINITY_NOTE,
    )  # fmt: skip
    parser.add_argument(
        "--epochs", type=_epochs, default=DEFAULT_EPOCHS, help="default %(default)s"
    )
    parser.add_argument("--lr", type=_lr, default=DEFAULT_LR, help="default %(default)g")
    parser.add_argument("--reg", type=_reg, default=0.0, help="λ, default %(default)g")
    parser.add_argument(
        "--seed", dest="train_seed", type=_seed, metavar="N", help=f"default {DEFAULT_SEED}"
    )
    parser.add_argument("--save", metavar="PATH", help="save the trained model to PATH")
    parser.add_argument(
        "--every", type=_every, default=1, metavar="N", help="print every Nth epoch"
    )


def build_parser() -> argparse.ArgumentParser:
    return _build_parsers()[0]


def _build_parsers() -> tuple[argparse.ArgumentParser, Mapping[str, argparse.ArgumentParser]]:
    """The top-level parser, and the subcommands' parsers by name."""
    parser = _Parser(
        prog=PROG,
        description="Explore the character-level bigram model of Karpathy's makemore.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Distinct dests: a subcommand's own --data/--seed default would otherwise overwrite
    # the top-level value, so `bigram-tui --data F stats` would silently lose F.
    parser.add_argument("--data", dest="app_data", metavar="PATH", help="word list to explore")
    parser.add_argument(
        "--seed",
        dest="app_seed",
        type=_seed,
        metavar="N",
        help=f"the app's sampling seed (default {DEFAULT_SEED})",
    )
    parser.add_argument("--no-mouse", action="store_true", help="no mouse tracking (for SSH)")
    parser.add_argument("--truecolor", action="store_true", help="force 24-bit colour")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    common = _common_options()
    for add in (_add_stats, _add_score, _add_sample, _add_train):
        add(commands, common)
    return parser, commands.choices


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser, subcommands = _build_parsers()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse blames the top-level parser for a subcommand's unknown flag; name the
        # subcommand, whose --help lists the flags it does take.
        blamed = subcommands.get(args.command, parser)
        blamed.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


# --- running --------------------------------------------------------------------------


def _run_app(args: argparse.Namespace) -> int:
    from bigram_tui.tui.app.app import run_app

    seed = DEFAULT_SEED if args.app_seed is None else args.app_seed
    return run_app(data=args.app_data, seed=seed, mouse=not args.no_mouse, truecolor=args.truecolor)


def _check_app_only_options(args: argparse.Namespace) -> None:
    for flag, given in (("--no-mouse", args.no_mouse), ("--truecolor", args.truecolor)):
        if given:
            raise UsageError(f"{flag} is an option of the app; drop it from `{args.command}`")


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "stats": stats,
    "score": score,
    "sample": sample,
    "train": train,
}


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        return _run_app(args)
    _check_app_only_options(args)
    import torch

    # On a 27×27 model torch's second thread costs more than it gives (see python -m bench).
    torch.set_num_threads(1)
    return _COMMANDS[args.command](args)


def _fail(message: str) -> None:
    print(f"{PROG}: {' '.join(message.split())}", file=sys.stderr)


def _silence_stdout() -> None:
    """After the reader of a pipe left: send what is still buffered to /dev/null.

    Without this, Python's final flush of stdout would fail again and print an
    "Exception ignored" message (the recipe of the `signal` module's documentation).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a real file (a test's capture): nothing will flush to a pipe


def _expected_errors() -> tuple[type[BaseException], ...]:
    # DataError, ModelFileError and OutOfVocabulary are ValueErrors. The dataset module is
    # stdlib-only, so importing it here to name DatasetUnavailable costs nothing.
    from bigram_tui.core.dataset import DatasetUnavailable

    return (UsageError, ValueError, DatasetUnavailable)


def _run(argv: list[str] | None) -> int:
    try:
        args = _parse(argv)
    except SystemExit as exit_request:  # --help, --version, or a usage error already printed
        code = exit_request.code
        return code if isinstance(code, int) else EXIT_OK
    try:
        status = _dispatch(args)
        sys.stdout.flush()  # a closed pipe must fail here, inside the handler below
        return status
    except _expected_errors() as exc:
        _fail(str(exc))
        return EXIT_USAGE


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
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        if debug:
            raise
        _fail(
            f"internal error: {type(exc).__name__}: {exc}; "
            f"rerun with {DEBUG_ENV_VAR}=1 for the traceback and report it"
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
