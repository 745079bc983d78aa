"""The n-gram rules of core.params: order, temperature, top-k, split and split seed."""

from __future__ import annotations

import pytest

from bigram_tui.core import params
from bigram_tui.core.params import ParameterError


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
def test_good_values(parse, text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (params.parse_order, "0", "order: must be from 1 to 5, got 0"),
        (params.parse_order, "9", "order: must be from 1 to 5, got 9"),
        (params.parse_order, "2.0", "order: expected a whole number"),
        (params.parse_temperature, "0", "temperature: must be more than 0, got 0"),
        (params.parse_temperature, "-0.5", "temperature: must be more than 0"),
        (params.parse_temperature, "nan", "temperature: must be a finite number"),
        (params.parse_top_k, "0", "top-k: must be at least 1, got 0"),
        (params.parse_top_k, "1.5", "top-k: expected a whole number"),
        (params.parse_split_seed, "-1", "split seed: must be 0 or more"),
        (params.parse_split, "80/10/5", "split: must add up to 100, got 80/10/5 = 95"),
        (params.parse_split, "100/0/0", "split: dev must be at least 1%"),
        (params.parse_split, "0/50/50", "split: train must be at least 1%"),
        (params.parse_split, "80/10", "split: expected three whole percentages"),
        (params.parse_split, "80/10/10/0", "split: expected three whole percentages"),
        (params.parse_split, "0.8/0.1/0.1", "split: expected three whole percentages"),
        (params.parse_split, "8" * 5000 + "/1/1", "split: must add up to 100"),
    ],
)
def test_bad_values_say_why_in_one_line(parse, text, message):
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
def test_checks_pass_good_values(check, value, expected):
    assert check(value) == expected


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (params.check_order, 0),
        (params.check_order, 6),
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
def test_checks_refuse_bad_values(check, value):
    with pytest.raises(ParameterError):
        check(value)


def test_a_split_leaving_a_part_empty_is_refused_once_the_data_is_known():
    params.check_split_sizes((0.8, 0.1, 0.1), (8, 1, 1))
    with pytest.raises(ParameterError) as info:
        params.check_split_sizes((0.8, 0.1, 0.1), (4, 0, 1))
    assert str(info.value) == (
        "split: 80/10/10 leaves dev empty for 5 words; give dev a larger share or use more words"
    )


def test_the_ngram_modules_use_the_one_rule():
    from bigram_tui.core import ngram_counts, shaping, split

    assert ngram_counts.check_order is params.check_order
    assert shaping.check_temperature is params.check_temperature
    assert split.SPLIT_SEED == params.DEFAULT_SPLIT_SEED == 42
    assert not hasattr(ngram_counts, "MAX_ORDER")
    with pytest.raises(ParameterError, match="order"):
        ngram_counts.NgramCounts.from_words(["ab"], 6)
    with pytest.raises(ParameterError, match="split"):
        split.split_words(["ab", "ba"], (0.5, 0.5, 0.0))


def test_seventy_twenty_ten_cuts_where_the_lecture_rule_says():
    from bigram_tui.core.split import split_words

    # 0.7 + 0.2 is 0.8999… in floating point: ten words must still give 7 / 2 / 1.
    assert split_words([f"w{i}" for i in range(10)], (0.7, 0.2, 0.1)).sizes == (7, 2, 1)
