"""core.params: one rule per parameter, the same syntax and the same message everywhere.

The rules of every parameter: lr, λ, k, epochs, seed, lengths and counts, and the order,
temperature, top-k, split and split seed."""

from __future__ import annotations

import math

import pytest

from bigram_tui.core import params
from bigram_tui.core.params import ParameterError

PARSERS = {
    "lr": params.parse_lr,
    "reg": params.parse_reg,
    "smoothing": params.parse_smoothing,
    "epochs": params.parse_epochs,
    "seed": params.parse_seed,
    "max_length": params.parse_max_length,
    "name_count": params.parse_name_count,
}


@pytest.mark.parametrize("name", PARSERS)
@pytest.mark.parametrize("text", ["1_000", "1,000", "١٢", "５", "0x10", "", "  ", "ten"])
def test_underscores_commas_and_non_ascii_digits_are_refused(name: str, text: str) -> None:
    with pytest.raises(ParameterError) as error:
        PARSERS[name](text)
    message = str(error.value)
    assert "\n" not in message
    assert "digits 0-9" in message  # says what is allowed
    assert message == f"{error.value.label}: {error.value.problem}"


@pytest.mark.parametrize("name", PARSERS)
def test_a_leading_plus_and_surrounding_space_are_accepted(name: str) -> None:
    assert PARSERS[name](" +5 ") == 5


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (params.parse_lr, "0", "lr: must be more than 0, got 0"),
        (params.parse_lr, "-0", "lr: must be more than 0, got -0"),
        (params.parse_lr, "inf", "lr: must be a finite number, got 'inf'"),
        (params.parse_lr, "1e999", "lr: must be a finite number, got 1e999"),
        (params.parse_reg, "-.5", "λ: must be 0 or more, got -.5"),
        (params.parse_smoothing, "nan", "smoothing k: must be a finite number, got 'nan'"),
        (params.parse_epochs, "2.5", "epochs: expected a whole number, got '2.5'"),
        (params.parse_epochs, "1000001", "epochs: at most 1,000,000 (about 3 minutes"),
        (params.parse_epochs, "9" * 5000, "epochs: at most 1,000,000"),
        (params.parse_seed, "-1", "seed: must be between 0 and 2**64-1, got -1"),
        (params.parse_seed, str(2**64), f"seed: must be between 0 and 2**64-1, got {2**64}"),
        (params.parse_max_length, "0", "max length: must be at least 1, got 0"),
        (params.parse_name_count, "10000000000", "name count: at most 1,000,000 names in one run"),
    ],
)
def test_out_of_range_messages(parse, text: str, message: str) -> None:
    with pytest.raises(ParameterError) as error:
        parse(text)
    assert str(error.value).startswith(message)


def test_negative_zero_reads_as_zero() -> None:
    for value in (params.parse_reg("-0"), params.parse_smoothing("-0.0"), params.check_reg(-0.0)):
        assert value == 0 and math.copysign(1, value) == 1


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (params.check_lr, True),
        (params.check_lr, "50"),
        (params.check_lr, 10**400),
        (params.check_lr, math.nan),
        (params.check_reg, -1e-9),
        (params.check_seed, 1.0),
        (params.check_seed, -1),
        (params.check_epochs, params.MAX_EPOCHS + 1),
        (params.check_max_length, 0),
        (params.check_name_count, 0),
    ],
)
def test_checks_of_values_refuse_what_the_parsers_refuse(check, value) -> None:
    with pytest.raises(ParameterError):
        check(value)


def test_choices() -> None:
    assert params.check_sampler("torch") == "torch"
    assert params.check_model_kind("smoothed") == "smoothed"
    with pytest.raises(ParameterError, match="choose one of classic, torch"):
        params.check_sampler("fancy")
    with pytest.raises(ParameterError, match="counts, smoothed, neural, uniform"):
        params.check_model_kind("gpt")


def test_field_defaults_come_from_the_lecture_settings() -> None:
    assert (params.LR.default_text, params.EPOCHS.default_text, params.REG.default_text) == (
        "50",
        "500",
        "0",
    )


# --- order, temperature, top-k, split and split seed ------------------------------------


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (params.parse_order, "1", 1),
        (params.parse_order, "+5", 5),
        (params.parse_temperature, "0.5", 0.5),
        (params.parse_temperature, "1e-3", 0.001),
        (params.parse_top_k, "27", 27),
        (params.parse_split_seed, "0", 0),
        (params.parse_split, "80/10/10", (0.8, 0.1, 0.1)),
        (params.parse_split, " 70 / 20 / 10 ", (0.7, 0.2, 0.1)),
        (params.parse_split, "98/1/1", (0.98, 0.01, 0.01)),
    ],
)
def test_order_sampling_and_split_good_values(parse, text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (params.parse_order, "0", "order: must be from 1 to 6, got 0"),
        (params.parse_order, "9", "order: must be from 1 to 6, got 9"),
        (params.parse_order, "2.0", "order: expected a whole number"),
        (params.parse_temperature, "0", "temperature: must be more than 0, got 0"),
        (params.parse_temperature, "-0.5", "temperature: must be more than 0"),
        (params.parse_temperature, "nan", "temperature: must be a finite number"),
        (params.parse_top_k, "0", "top-k: must be at least 1, got 0"),
        (params.parse_top_k, "1.5", "top-k: expected a whole number"),
        (params.parse_split_seed, "-1", "split seed: must be between 0 and 2**64-1"),
        (params.parse_split, "80/10/5", "split: must add up to 100, got 80/10/5 = 95"),
        (params.parse_split, "100/0/0", "split: dev must be at least 1%"),
        (params.parse_split, "0/50/50", "split: train must be at least 1%"),
        (params.parse_split, "80/10", "split: expected three whole percentages"),
        (params.parse_split, "80/10/10/0", "split: expected three whole percentages"),
        (params.parse_split, "0.8/0.1/0.1", "split: expected three whole percentages"),
        (params.parse_split, "8" * 5000 + "/1/1", "split: must add up to 100"),
    ],
)
def test_order_sampling_and_split_bad_values_say_why_in_one_line(parse, text, message):
    with pytest.raises(ParameterError) as info:
        parse(text)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        (params.check_order, 3, 3),
        (params.check_temperature, 2, 2.0),
        (params.check_top_k, None, None),
        (params.check_top_k, 1, 1),
        (params.check_split, (0.8, 0.1, 0.1), (0.8, 0.1, 0.1)),
        (params.check_split, [0.5, 0.25, 0.25], (0.5, 0.25, 0.25)),
    ],
)
def test_order_sampling_and_split_checks_pass_good_values(check, value, expected):
    assert check(value) == expected


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (params.check_order, 0),
        (params.check_order, 7),
        (params.check_order, True),
        (params.check_order, 2.0),
        (params.check_temperature, 0.0),
        (params.check_temperature, float("inf")),
        (params.check_temperature, "1"),
        (params.check_top_k, 0),
        (params.check_top_k, 2.0),
        (params.check_split, (0.5, 0.5, 0.5)),
        (params.check_split, (0.8, 0.2, 0.0)),
        (params.check_split, (0.805, 0.095, 0.1)),
        (params.check_split, (0.8, 0.2)),
        (params.check_split_seed, -1),
    ],
)
def test_order_sampling_and_split_checks_refuse_bad_values(check, value):
    with pytest.raises(ParameterError):
        check(value)


def test_a_split_leaving_a_part_empty_is_refused_once_the_data_is_known():
    params.check_split_sizes((0.8, 0.1, 0.1), (8, 1, 1))
    with pytest.raises(ParameterError) as info:
        params.check_split_sizes((0.8, 0.1, 0.1), (4, 0, 1))
    assert str(info.value) == (
        "split: 80/10/10 leaves dev empty for 5 words; give dev a larger share or use more words"
    )


def test_the_modules_use_the_one_rule():
    from bigram_tui.core import counts, shaping, split

    assert counts.check_order is params.check_order
    assert shaping.check_temperature is params.check_temperature
    assert split.SPLIT_SEED == params.DEFAULT_SPLIT_SEED == 42
    assert not hasattr(counts, "MAX_ORDER")
    with pytest.raises(ParameterError, match="order"):
        counts.NgramCounts.from_words(["ab"], 7)
    with pytest.raises(ParameterError, match="split"):
        split.split_words(["ab", "ba"], (0.5, 0.5, 0.0))


def test_seventy_twenty_ten_cuts_where_the_lecture_rule_says():
    from bigram_tui.core.split import split_words

    # 0.7 + 0.2 is 0.8999… in floating point: ten words must still give 7 / 2 / 1.
    assert split_words([f"w{i}" for i in range(10)], (0.7, 0.2, 0.1)).sizes == (7, 2, 1)


# --- the split seed follows the --seed rule, judged before its digits are converted ----------


@pytest.mark.parametrize(
    "text",
    ["18446744073709551616", "1" + "0" * 29, "9" * 4_400, "-1"],
    ids=["2**64", "1e29", "4400 digits", "-1"],
)
def test_a_split_seed_outside_the_seed_rule_is_refused(text):
    from bigram_tui.core.params import check_split_seed, parse_split_seed

    with pytest.raises(ParameterError, match="between 0 and 2\\*\\*64-1"):
        parse_split_seed(text)
    with pytest.raises(ParameterError):
        check_split_seed(int(text) if len(text) < 4_000 else 10**100)


def test_a_huge_seed_is_refused_without_converting_its_digits():
    import time

    from bigram_tui.core.params import parse_seed, parse_split_seed

    digits = "9" * 100_000
    start = time.perf_counter()
    for parse in (parse_seed, parse_split_seed):
        with pytest.raises(ParameterError, match="got 999999999999…"):
            parse(digits)
    # int() of 100,000 digits takes seconds here; a length check takes microseconds.
    assert time.perf_counter() - start < 0.5
    assert parse_split_seed(str(2**64 - 1)) == 2**64 - 1
