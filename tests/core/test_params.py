"""core.params: one rule per parameter, the same syntax and the same message everywhere."""

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
