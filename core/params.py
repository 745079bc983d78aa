"""Every parameter rule in one place, torch-free: its limits, its parsing and its message.

Each rule has a `parse_*` function from text (the CLI's argparse types and the app's
input fields call it) and a `check_*` function of a value (the core's constructors call
it). Both raise `ParameterError`, whose message is one line, "label: what is wrong
(what is allowed)", so the CLI and the app say the same thing for the same mistake.

Number syntax, the same everywhere: ASCII digits only, an optional leading '+' or '-',
and for non-whole numbers a '.' and an exponent ('0.5', '1e-3', '+5'). Refused: digit
group separators ('1_000', '1,000'), hexadecimal, and non-ASCII digits ('١٢', '５'),
which Python's int() and float() would otherwise accept, so that a value means the same
in a shell script, a terminal field and a saved model. Negative zero reads as 0.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .defaults import (
    DEFAULT_EPOCHS,
    DEFAULT_LR,
    DEFAULT_MAX_LENGTH,
    DEFAULT_ORDER,
    DEFAULT_REG,
    DEFAULT_SEED,
)
from .errors import BigramTuiError

__all__ = [
    "CHARS",
    "DEFAULT_ORDER",
    "DEFAULT_SPLIT_SEED",
    "DISCOUNT",
    "EPOCHS",
    "KN_DISCOUNTS",
    "LR",
    "MAX_CHARS",
    "MAX_EPOCHS",
    "MAX_LENGTH",
    "MAX_MAX_LENGTH",
    "MAX_NAMES",
    "MAX_ORDER",
    "MAX_SEED",
    "MIN_ORDER",
    "MODEL_KINDS",
    "NAME_COUNT",
    "NET_KINDS",
    "ORDER",
    "REG",
    "RNGS",
    "SAMPLERS",
    "SEED",
    "SMOOTHING",
    "SMOOTHING_METHODS",
    "SPLIT_FRACTIONS",
    "SPLIT_PARTS",
    "SPLIT_SEED",
    "TEMPERATURE",
    "TOP_K",
    "ParameterError",
    "Rule",
    "check_chars",
    "check_discount",
    "check_epochs",
    "check_lr",
    "check_max_length",
    "check_model_kind",
    "check_name_count",
    "check_order",
    "check_reg",
    "check_sampler",
    "check_seed",
    "check_smoothing",
    "check_split",
    "check_split_seed",
    "check_split_sizes",
    "check_temperature",
    "check_top_k",
    "format_split",
    "parse_chars",
    "parse_discount",
    "parse_epochs",
    "parse_lr",
    "parse_max_length",
    "parse_name_count",
    "parse_order",
    "parse_positive_count",
    "parse_reg",
    "parse_seed",
    "parse_smoothing",
    "parse_split",
    "parse_split_seed",
    "parse_temperature",
    "parse_top_k",
]

MAX_EPOCHS = 1_000_000  # ~3 minutes of training; more is a typo, not a plan
MAX_SEED = 2**64 - 1  # what torch.Generator.manual_seed accepts
# Every name is kept until the report is printed: 10**10 names would fill memory for hours.
MAX_NAMES = 1_000_000
MAX_MAX_LENGTH = 10_000  # longest name a sampler may draw: far past any name, short enough to print

MIN_ORDER, MAX_ORDER = 1, 6  # the unigram to the 6-gram, where Kneser–Ney does best
SPLIT_PARTS = ("train", "dev", "test")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)  # the lectures' 80/10/10
DEFAULT_SPLIT_SEED = 42  # the lectures' random.seed(42) before the shuffle

MODEL_KINDS = ("counts", "smoothed", "neural", "uniform", "kn")  # kn: Kneser–Ney
SMOOTHING_METHODS = ("addk", "kn")  # the counts model's add-k, or interpolated Kneser–Ney
KN_DISCOUNTS = (0.6, 0.75, 0.85, 0.95)  # Kneser–Ney's D sweep, as issue 19 reports it
RNGS = ("torch", "xorshift")  # the lecture's torch.Generator, or NG's portable xorshift64*
# NG prints 200 characters; a Python loop draws each, so a million would take minutes.
MAX_CHARS = 100_000
NET_KINDS = ("table", "linear")  # the n-gram nets (core.ngram_neural)
SAMPLERS = ("classic", "torch")

_WHOLE = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_NOT_FINITE = re.compile(r"[+-]?(inf|infinity|nan)", re.IGNORECASE)
_WHOLE_SYNTAX = "digits 0-9 only, no '_', ',', '.' or exponent"
_NUMBER_SYNTAX = "digits 0-9 with an optional '.' and exponent, e.g. 0.5 or 1e-3; no '_' or ','"


class ParameterError(BigramTuiError, ValueError):
    """A parameter outside its rule. `label` names it; `problem` is the rest of the line.

    A front end that names the parameter itself (argparse says "argument --lr:") shows
    only `problem`; everywhere else the message is `str(error)`, "label: problem".
    """

    def __init__(self, label: str, problem: str) -> None:
        super().__init__(f"{label}: {problem}")
        self.label = label
        self.problem = problem


@dataclass(frozen=True)
class Rule:
    """A numeric parameter: whole or not, its bounds, and how a bad value is explained."""

    label: str
    whole: bool
    minimum: float
    minimum_allowed: bool  # False: the value must be strictly more than `minimum`
    too_small: str  # what is allowed, e.g. "more than 0"
    maximum: float | None = None
    too_large: str = ""  # e.g. "at most 1,000,000 names in one run"
    too_large_hint: str = ""  # the way out, after the value
    grouped: bool = True  # show a too-large whole value as 1,000,000
    default: float | None = None

    @property
    def default_text(self) -> str:
        """The default as a field shows it: "50", "500", "0"."""
        if self.default is None:
            return ""
        return str(int(self.default)) if self.whole else f"{self.default:g}"

    def parse(self, text: str) -> float:
        """`text` read by the project's number syntax, then checked; ParameterError if bad."""
        cleaned = text.strip()
        if self.whole:
            if not _WHOLE.fullmatch(cleaned):
                raise ParameterError(
                    self.label, f"expected a whole number, got {cleaned!r} ({_WHOLE_SYNTAX})"
                )
            digits = cleaned.lstrip("+-").lstrip("0")
            # Judged by its length before it is converted: a 100,000-digit number would
            # take seconds to become an int, and is far out of any range anyway.
            longest = 100 if self.maximum is None else len(str(int(self.maximum)))
            if len(digits) > longest:
                whole = -(10**100) if cleaned.startswith("-") else 10**100
                cleaned = cleaned[:12] + "…"
            else:
                whole = int(cleaned)
            return self._in_range(whole, cleaned)
        if _NOT_FINITE.fullmatch(cleaned):
            raise ParameterError(self.label, f"must be a finite number, got {cleaned!r}")
        if not _NUMBER.fullmatch(cleaned):
            raise ParameterError(
                self.label, f"expected a number, got {cleaned!r} ({_NUMBER_SYNTAX})"
            )
        return self._in_range(float(cleaned), cleaned)

    def check(self, value: object) -> float:
        """`value` if it obeys the rule (as an int or a float), else ParameterError."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind = "a whole number" if self.whole else "a number"
            raise ParameterError(self.label, f"expected {kind}, got {value!r}")
        if self.whole:
            if isinstance(value, float):
                raise ParameterError(self.label, f"expected a whole number, got {value!r}")
            return self._in_range(value, None)
        try:
            number = float(value)
        except OverflowError:  # an int past the float range, say 10**400
            number = math.inf
        return self._in_range(number, None)

    def _in_range(self, value: float, typed: str | None) -> float:
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ParameterError(self.label, f"must be a finite number, got {typed or value}")
            value += 0.0  # -0.0 becomes 0.0: no "-0" in any report
        if typed is not None:
            shown = typed
        else:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
        low_ok = value >= self.minimum if self.minimum_allowed else value > self.minimum
        if not low_ok:
            raise ParameterError(self.label, f"must be {self.too_small}, got {shown}")
        if self.maximum is not None and value > self.maximum:
            grouped = self.grouped and isinstance(value, int) and value < 10**100
            number = f"{value:,}" if grouped else shown
            raise ParameterError(self.label, f"{self.too_large}, got {number}{self.too_large_hint}")
        return value


LR = Rule("lr", whole=False, minimum=0, minimum_allowed=False, too_small="more than 0",
          default=DEFAULT_LR)  # fmt: skip
REG = Rule("λ", whole=False, minimum=0, minimum_allowed=True, too_small="0 or more",
           default=DEFAULT_REG)  # fmt: skip
SMOOTHING = Rule("smoothing k", whole=False, minimum=0, minimum_allowed=True,
                 too_small="0 or more", default=0.0)  # fmt: skip
EPOCHS = Rule(
    "epochs", whole=True, minimum=0, minimum_allowed=True, too_small="0 or more",
    maximum=MAX_EPOCHS, too_large=f"at most {MAX_EPOCHS:,} (about 3 minutes of training)",
    too_large_hint="; the loss stops improving long before", default=DEFAULT_EPOCHS,
)  # fmt: skip
SEED = Rule(
    "seed", whole=True, minimum=0, minimum_allowed=True, too_small="between 0 and 2**64-1",
    maximum=MAX_SEED, too_large="must be between 0 and 2**64-1", grouped=False,
    default=DEFAULT_SEED,
)  # fmt: skip
MAX_LENGTH = Rule(
    "max length", whole=True, minimum=1, minimum_allowed=True, too_small="at least 1",
    maximum=MAX_MAX_LENGTH, too_large=f"at most {MAX_MAX_LENGTH:,}", default=DEFAULT_MAX_LENGTH,
)  # fmt: skip
ORDER = Rule(
    "order", whole=True, minimum=MIN_ORDER, minimum_allowed=True,
    too_small=f"from {MIN_ORDER} to {MAX_ORDER}", maximum=MAX_ORDER,
    too_large=f"must be from {MIN_ORDER} to {MAX_ORDER}", grouped=False, default=DEFAULT_ORDER,
)  # fmt: skip
# D ≤ 1 keeps every Kneser–Ney row a distribution (each count taken from is at least 1).
DISCOUNT = Rule(
    "discount D", whole=False, minimum=0, minimum_allowed=True, too_small="from 0 to 1",
    maximum=1, too_large="must be from 0 to 1",
)  # fmt: skip
CHARS = Rule(
    "characters", whole=True, minimum=1, minimum_allowed=True, too_small="at least 1",
    maximum=MAX_CHARS, too_large=f"at most {MAX_CHARS:,} characters in one run",
    too_large_hint="; run it several times with different seeds for more",
)  # fmt: skip
TEMPERATURE = Rule("temperature", whole=False, minimum=0, minimum_allowed=False,
                   too_small="more than 0", default=1.0)  # fmt: skip
TOP_K = Rule("top-k", whole=True, minimum=1, minimum_allowed=True, too_small="at least 1")
# The --seed rule: Python's random.seed takes any integer, but a seed past 2**64-1 is a typo.
SPLIT_SEED = Rule(
    "split seed", whole=True, minimum=0, minimum_allowed=True, too_small="between 0 and 2**64-1",
    maximum=MAX_SEED, too_large="must be between 0 and 2**64-1", grouped=False,
    default=DEFAULT_SPLIT_SEED,
)  # fmt: skip
NAME_COUNT = Rule(
    "name count", whole=True, minimum=1, minimum_allowed=True, too_small="at least 1",
    maximum=MAX_NAMES, too_large=f"at most {MAX_NAMES:,} names in one run",
    too_large_hint="; run it several times with different seeds for more",
)  # fmt: skip


def parse_lr(text: str) -> float:
    return float(LR.parse(text))


def check_lr(value: object) -> float:
    return float(LR.check(value))


def parse_reg(text: str) -> float:
    return float(REG.parse(text))


def check_reg(value: object) -> float:
    return float(REG.check(value))


def parse_smoothing(text: str) -> float:
    return float(SMOOTHING.parse(text))


def check_smoothing(value: object) -> float:
    return float(SMOOTHING.check(value))


def parse_epochs(text: str) -> int:
    return int(EPOCHS.parse(text))


def check_epochs(value: object) -> int:
    return int(EPOCHS.check(value))


def parse_seed(text: str) -> int:
    return int(SEED.parse(text))


def check_seed(value: object) -> int:
    return int(SEED.check(value))


def parse_max_length(text: str) -> int:
    return int(MAX_LENGTH.parse(text))


def check_max_length(value: object) -> int:
    return int(MAX_LENGTH.check(value))


def parse_name_count(text: str) -> int:
    return int(NAME_COUNT.parse(text))


def check_name_count(value: object) -> int:
    return int(NAME_COUNT.check(value))


def parse_positive_count(text: str, label: str) -> int:
    """A whole number ≥ 1 with no upper limit of its own (how many rows to show, say)."""
    rule = Rule(label, whole=True, minimum=1, minimum_allowed=True, too_small="at least 1")
    return int(rule.parse(text))


def parse_discount(text: str) -> float:
    return float(DISCOUNT.parse(text))


def check_discount(value: object) -> float:
    return float(DISCOUNT.check(value))


def parse_chars(text: str) -> int:
    return int(CHARS.parse(text))


def check_chars(value: object) -> int:
    return int(CHARS.check(value))


def _check_choice(label: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ParameterError(label, f"unknown choice {value!r}; choose one of {', '.join(choices)}")
    return value


def check_model_kind(kind: object) -> str:
    return _check_choice("model", kind, MODEL_KINDS)


def check_sampler(name: object) -> str:
    return _check_choice("sampler", name, SAMPLERS)


def parse_order(text: str) -> int:
    return int(ORDER.parse(text))


def check_order(value: object) -> int:
    return int(ORDER.check(value))


def parse_temperature(text: str) -> float:
    return float(TEMPERATURE.parse(text))


def check_temperature(value: object) -> float:
    return float(TEMPERATURE.check(value))


def parse_top_k(text: str) -> int:
    return int(TOP_K.parse(text))


def check_top_k(value: object) -> int | None:
    """None (keep every token) or a whole number ≥ 1."""
    return None if value is None else int(TOP_K.check(value))


def parse_split_seed(text: str) -> int:
    return int(SPLIT_SEED.parse(text))


def check_split_seed(value: object) -> int:
    return int(SPLIT_SEED.check(value))


_SPLIT_SYNTAX = "three whole percentages TRAIN/DEV/TEST adding up to 100, e.g. 80/10/10"


def _split_of_percentages(percentages: tuple[int, int, int], shown: str) -> tuple[float, ...]:
    for part, percentage in zip(SPLIT_PARTS, percentages):
        if percentage < 1:
            raise ParameterError("split", f"{part} must be at least 1%, got {shown}")
    if sum(percentages) != 100:
        raise ParameterError(
            "split", f"must add up to 100, got {shown} = {sum(percentages)} ({_SPLIT_SYNTAX})"
        )
    return tuple(percentage / 100 for percentage in percentages)


def parse_split(text: str) -> tuple[float, float, float]:
    """ "80/10/10" → (0.8, 0.1, 0.1): the train, dev and test fractions of the words."""
    cleaned = text.strip()
    pieces = cleaned.split("/")
    if len(pieces) != 3 or not all(_WHOLE.fullmatch(piece.strip()) for piece in pieces):
        raise ParameterError("split", f"expected {_SPLIT_SYNTAX}, got {cleaned!r}")
    # Past 100 a piece is wrong anyway; capping it keeps int() from a huge digit string.
    percentages = tuple(int(p) if len(p) <= 6 else 10**6 for p in map(str.strip, pieces))
    train, dev, test = _split_of_percentages(percentages, cleaned)  # type: ignore[arg-type]
    return train, dev, test


def format_split(fractions: tuple[float, float, float]) -> str:
    """(0.8, 0.1, 0.1) → "80/10/10"."""
    return "/".join(str(round(fraction * 100)) for fraction in fractions)


def check_split(fractions: object) -> tuple[float, float, float]:
    """Three fractions that are whole percentages, each at least 1%, adding up to 1."""
    if not isinstance(fractions, tuple | list) or len(fractions) != 3:
        raise ParameterError("split", f"expected three fractions, got {fractions!r}")
    percentages = []
    for fraction in fractions:
        if isinstance(fraction, bool) or not isinstance(fraction, int | float):
            raise ParameterError("split", f"expected three fractions, got {fractions!r}")
        percentage = fraction * 100
        if not math.isfinite(percentage) or abs(percentage - round(percentage)) > 1e-9:
            raise ParameterError(
                "split", f"each part must be a whole percentage, got {fractions!r}"
            )
        percentages.append(round(percentage))
    shown = "/".join(map(str, percentages))
    train, dev, test = _split_of_percentages(tuple(percentages), shown)  # type: ignore[arg-type]
    return train, dev, test


def check_split_sizes(fractions: tuple[float, float, float], sizes: tuple[int, ...]) -> None:
    """Refuse a split that leaves a part of the data without a word."""
    for part, size in zip(SPLIT_PARTS, sizes):
        if size == 0:
            raise ParameterError(
                "split",
                f"{format_split(fractions)} leaves {part} empty for {sum(sizes):,} words; "
                f"give {part} a larger share or use more words",
            )
