"""The command line's grammar: the argparse parsers of `bigram-tui` and its subcommands.

Every argument type is a thin wrapper over `core.params`, so a bad value fails before any
work starts and says what the app says for the same mistake. No torch or textual here.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from bigram_tui.core import params
from bigram_tui.core.defaults import (
    DEFAULT_EPOCHS,
    DEFAULT_LR,
    DEFAULT_MAX_LENGTH,
    DEFAULT_SEED,
    UNIGRAM_LR,
)
from bigram_tui.core.params import ParameterError

from . import output as cli_output
from .errors import DEBUG_ENV_VAR, EXIT_USAGE, PROG, OutputError
from .serve import add_serve_parser

# argparse reads "-inf" and "-1e3" as flags (it only knows "-1" and "-1.5" as numbers), so
# `--smoothing -inf` failed with "expected one argument" instead of naming the bad value.
_NEGATIVE_NUMBER = re.compile(
    r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$", re.IGNORECASE
)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse drops a failed write silently, so `--help > /dev/full` would exit 0 with
        # its text lost. Help and --version go to stdout: a failure there is an OutputError
        # (exit 74). A failed error line on stderr is lost, and the status still says 2.
        if not message:
            return
        stream = sys.stdout if file is None else file
        if stream is None:
            return
        try:
            stream.write(message)
            stream.flush()
        except BrokenPipeError:
            raise  # the reader left: main's 141, as for any output
        except (OSError, ValueError) as exc:
            if stream is sys.stdout:
                raise OutputError(getattr(exc, "strerror", None) or str(exc)) from None

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
_order = _argument_type(params.parse_order, "order")
_split = _argument_type(params.parse_split, "split")
_split_seed = _argument_type(params.parse_split_seed, "split_seed")
_temperature = _argument_type(params.parse_temperature, "temperature")
_top_k = _argument_type(params.parse_top_k, "top_k")
_discount = _argument_type(params.parse_discount, "discount")
_chars = _argument_type(params.parse_chars, "chars")


def _list_of(parse: Callable[[str], Any], name: str) -> Callable[[str], Any]:
    """A comma-separated list of `parse`'s values, e.g. --orders 3,4,5."""

    def parse_list(text: str) -> tuple[Any, ...]:
        pieces = text.split(",")
        if not all(piece.strip() for piece in pieces):
            raise argparse.ArgumentTypeError(f"expected values separated by ',', got {text!r}")
        try:
            return tuple(parse(piece) for piece in pieces)
        except ParameterError as exc:
            raise argparse.ArgumentTypeError(exc.problem) from None

    parse_list.__name__ = name
    return parse_list


_orders = _list_of(params.parse_order, "orders")
_ks = _list_of(params.parse_smoothing, "ks")
_discounts = _list_of(params.parse_discount, "discounts")


# --- the parser -----------------------------------------------------------------------

EPILOG = f"""\
With no command, the interactive app starts.

{textwrap.fill(cli_output.JSON_INFINITY_NOTE, width=88)}

The data is --data PATH, else ${{BIGRAM_TUI_DATA}}, else the names.txt built into the package
(makemore's 32,033 names). Set {DEBUG_ENV_VAR}=1 to see tracebacks of internal errors.
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


_METHOD_OPTION: dict[str, Any] = {
    "choices": params.SMOOTHING_METHODS,
    "help": "addk: add-k (--smoothing K, the default); kn: interpolated Kneser-Ney (--discount D)",
}
_DISCOUNT_OPTION: dict[str, Any] = {
    "type": _discount,
    "metavar": "D",
    "help": "Kneser-Ney's discount, 0 to 1 (default: chosen on dev from 0.6, 0.75, 0.85, "
    "0.95 when there is a dev part, else 0.75)",
}


def _add_smoothing_options(group: Any) -> None:
    group.add_argument("--smoothing", **_SMOOTHING_OPTION)
    group.add_argument("--smoothing-method", **_METHOD_OPTION)
    group.add_argument("--discount", **_DISCOUNT_OPTION)


_NET_HELP = (
    "table (a row of W per context; at order 2 the lecture's net) or linear (a block of W "
    "per context position); default table"
)

# "smoothed" is the counts model at k=1, which the CLI spells --smoothing 1.
_CLI_MODEL_KINDS = tuple(kind for kind in params.MODEL_KINDS if kind != "smoothed")


def _add_model_options(parser: argparse.ArgumentParser, seed: str) -> None:
    """--model and the neural net's options; `seed` is the flag for the training seed."""
    group = parser.add_argument_group("model")
    group.add_argument(
        "--model", choices=_CLI_MODEL_KINDS, help="which model of the order (default counts)"
    )
    _add_smoothing_options(group)
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
    group.add_argument("--net", choices=params.NET_KINDS, help=f"neural: {_NET_HELP}")
    group.add_argument(
        "--load",
        metavar="PATH",
        help="neural: use a net saved by `train --save` (of any order) instead of training",
    )


def _add_ngram_options(
    parser: argparse.ArgumentParser, split: bool = True, default_split: str | None = None
) -> None:
    """--order, and --split and --split-seed: the n-gram model and the data it is fitted on."""
    group = parser.add_argument_group("n-gram")
    group.add_argument(
        "--order",
        type=_order,
        metavar="N",
        help=f"n-gram order, {params.MIN_ORDER} (unigram) to {params.MAX_ORDER}: the context is "
        f"the previous N-1 characters (default {params.DEFAULT_ORDER}, the bigram)",
    )
    if not split:
        return
    shown = default_split or "none: every word is training data"
    group.add_argument(
        "--split",
        type=_split,
        default=None,  # a command's own default split is applied only without --dev/--test
        metavar="TRAIN/DEV/TEST",
        help="shuffle the words and split them by these percentages, e.g. 80/10/10; models "
        f"are fitted on train only (default {shown})",
    )
    group.add_argument(
        "--split-seed",
        type=_split_seed,
        metavar="S",
        help=f"seed of the shuffle before the split (default {params.DEFAULT_SPLIT_SEED})",
    )
    group.add_argument(
        "--dev", metavar="PATH",
        help="a pre-split dev file (with --test; --data is then the training file); the "
        "vocabulary comes from all three files. Exclusive with --split",
    )  # fmt: skip
    group.add_argument("--test", metavar="PATH", help="a pre-split test file (with --dev)")
    group.add_argument(
        "--stream", action="store_true",
        help="NG's convention (EurekaLabsAI/ngram): each file is one stream, the newline is "
        "the boundary '.', nothing is padded, and the first N-1 characters are context only "
        "(default: the lecture's padding of each word)",
    )  # fmt: skip


def _add_stats(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "stats", parents=[common], prog=f"{PROG} stats", help="dataset statistics",
        description="Words, n-grams, vocabulary, each part's NLL (with a split, what train never "
        "shows dev and test) and the most common n-grams of the order.",
        epilog=cli_output.JSON_INFINITY_NOTE,
    )  # fmt: skip
    _add_smoothing_options(parser)
    parser.add_argument(
        "--top", type=_top, default=10, metavar="N", help="n-grams to list (default 10)"
    )
    _add_ngram_options(parser)


def _add_score(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "score", parents=[common], prog=f"{PROG} score", help="probability of words",
        description="Probability and log-probability of each step (context -> next) of each "
        "word, and the word's log-likelihood, NLL and mean NLL.",
        epilog=cli_output.JSON_INFINITY_NOTE,
    )  # fmt: skip
    parser.add_argument("words", nargs="+", metavar="WORD", help="words to score")
    _add_model_options(parser, seed="--seed")
    _add_ngram_options(parser)
    parser.set_defaults(train_seed_flag="--seed")


def _add_sample(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "sample", parents=[common], prog=f"{PROG} sample", help="sample names",
        description="Sample names, one per line; a name stopped by --max-length ends in '…'. "
        "The defaults print the lecture's names: mor, axx, minaymoryles, …. With --order, "
        "--split, --temperature or --top-k, each name is followed by where it comes from: "
        "train, dev/test or new with a split, else train (a word of the data) or new.",
        epilog=cli_output.JSON_INFINITY_NOTE,
    )  # fmt: skip
    parser.add_argument("-n", dest="count", type=_name_count, help="names to sample (default 20)")
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
    parser.add_argument(
        "--rng", choices=params.RNGS, default="torch",
        help="torch: torch.Generator, as in the lecture; xorshift: NG's portable xorshift64*, "
        "one coin per character, printing --chars characters that run on across names",
    )  # fmt: skip
    parser.add_argument(
        "--chars", type=_chars, metavar="N",
        help="with --rng xorshift: characters to draw, newlines included (default 200, NG's)",
    )  # fmt: skip
    parser.add_argument(
        "--temperature",
        type=_temperature,
        metavar="T",
        help="divide the logits by T before each draw: below 1 sharper, above 1 flatter "
        "(default 1)",
    )
    parser.add_argument(
        "--top-k",
        type=_top_k,
        metavar="K",
        help="draw only from the K most probable next characters (default: all)",
    )
    _add_model_options(parser, seed="--train-seed")
    _add_ngram_options(parser)
    parser.set_defaults(train_seed_flag="--train-seed")


def _add_train(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "train", parents=[common], prog=f"{PROG} train", help="train the neural net",
        description="Train a net of the order by gradient descent, printing the loss; at order "
        "2 the table net is the lecture's one-hot neural bigram.",
        epilog=cli_output.JSON_INFINITY_NOTE,
    )  # fmt: skip
    parser.add_argument(
        "--epochs", type=_epochs, default=DEFAULT_EPOCHS, help="default %(default)s"
    )
    parser.add_argument(
        "--lr", type=_lr, help=f"default {DEFAULT_LR:g} ({UNIGRAM_LR:g} at --order 1)"
    )
    parser.add_argument("--reg", type=_reg, default=0.0, help="λ, default %(default)g")
    parser.add_argument(
        "--seed", dest="train_seed", type=_seed, metavar="N", help=f"default {DEFAULT_SEED}"
    )
    parser.add_argument(
        "--save",
        metavar="PATH",
        help="save the trained net (its order, net and vocabulary) to PATH",
    )
    parser.add_argument(
        "--every", type=_every, default=1, metavar="N", help="print every Nth epoch"
    )
    parser.add_argument(
        "--net", choices=params.NET_KINDS,
        help=f"{_NET_HELP}; outside the lecture's bigram the report gives the parameter "
        "count, and the dev loss with --split",
    )  # fmt: skip
    _add_ngram_options(parser)


def _add_tune(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "tune", parents=[common], prog=f"{PROG} tune", help="choose k and λ on dev",
        description="Sweep the add-k smoothing k of the counts model and the regularisation λ "
        "of the net (each trained to convergence) on the dev part; report the best of each "
        "with its test NLL, and the k whose dev NLL is nearest the best λ's.",
        epilog=cli_output.JSON_INFINITY_NOTE,
    )  # fmt: skip
    parser.add_argument(
        "--net",
        choices=params.NET_KINDS,
        default=params.NET_KINDS[0],
        help="net of the λ sweep (default table)",
    )
    parser.add_argument(
        "--seed", dest="train_seed", type=_seed, metavar="N",
        help=f"seed of the nets' initial weights (default {DEFAULT_SEED})",
    )  # fmt: skip
    grid = parser.add_argument_group(
        "grid", "NG's grid instead of the k and λ sweeps: each cell fitted on train, train and "
        "dev NLL printed, the best cell on dev tested once",
    )  # fmt: skip
    grid.add_argument("--orders", type=_orders, metavar="N,N,…", help="e.g. 3,4,5")
    grid.add_argument(
        "--ks", type=_ks, metavar="K,K,…", help="add-k values, e.g. 0.03,0.1,0.3,1 (the default)"
    )
    grid.add_argument("--smoothing-method", **_METHOD_OPTION)
    grid.add_argument(
        "--discounts", type=_discounts, metavar="D,D,…",
        help="with --smoothing-method kn: the D values (default 0.6,0.75,0.85,0.95)",
    )  # fmt: skip
    _add_ngram_options(parser, default_split="80/10/10")
    parser.set_defaults(default_split=params.parse_split("80/10/10"))


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
    parser.add_argument(
        "--order",
        dest="app_order",
        type=_order,
        metavar="N",
        help=f"the app's n-gram order, {params.MIN_ORDER} to {params.MAX_ORDER} "
        f"(default {params.DEFAULT_ORDER}; key o in the app)",
    )
    parser.add_argument(
        "--dev", dest="app_dev", metavar="PATH",
        help="the app's pre-split dev file (with --test; --data is then the training file)",
    )  # fmt: skip
    parser.add_argument(
        "--test", dest="app_test", metavar="PATH", help="the app's pre-split test file (with --dev)"
    )
    parser.add_argument(
        "--stream", dest="app_stream", action="store_true",
        help="the app reads each file as NG's stream (EurekaLabsAI/ngram): the newline is the "
        "boundary '.', nothing is padded",
    )  # fmt: skip
    parser.add_argument(
        "--load", dest="app_load", metavar="PATH", help="start the app with a net saved by train"
    )
    parser.add_argument(
        "--screenshots",
        dest="app_screenshots",
        metavar="DIR",
        help="where the app saves screenshots (default: $XDG_DOWNLOAD_DIR, ~/Downloads, or .)",
    )
    parser.add_argument("--no-mouse", action="store_true", help="no mouse tracking (for SSH)")
    parser.add_argument("--truecolor", action="store_true", help="force 24-bit colour")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    common = _common_options()
    for add in (_add_stats, _add_score, _add_sample, _add_train, _add_tune):
        add(commands, common)
    add_serve_parser(commands)
    return parser, commands.choices


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The parsed arguments; a usage error prints its line and raises SystemExit(2)."""
    parser, subcommands = _build_parsers()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse blames the top-level parser for a subcommand's unknown flag; name the
        # subcommand, whose --help lists the flags it does take.
        blamed = subcommands.get(args.command, parser)
        blamed.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args
