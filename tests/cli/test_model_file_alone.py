"""`score --load` and `sample --load` work from the model file alone: it carries its vocabulary,
so without --data no data is read; a --data given is read, to refuse a model of other data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bigram_tui.core.dataset import DATA_ENV_VAR
from bigram_tui.core.session import Session

from .helpers import one_line_error
from .helpers import run_cli as run

COMMANDS = [
    ("sample", "-n", 8),
    ("sample", "-n", 3, "--trace", "--json"),
    ("sample", "-n", 4, "--sampler", "torch", "--seed", 7, "--max-length", 4),
    ("score", "ava", "andrejq", "--json"),
    ("score", "emma", "zq"),
]


NETS = [(2, "table"), (3, "table"), (3, "linear")]  # (order, net)


def trained(names_path: Path, directory: Path, order: int, net: str) -> Path:
    from bigram_tui.tui.cli import main as cli

    path = directory / f"{net}-{order}.pt"
    argv = ["train", "--data", str(names_path), "--epochs", "20", "--save", str(path)]
    assert cli.main([*argv, "--order", str(order), "--net", net]) == 0
    return path


@pytest.fixture(scope="module")
def model(names_path: Path, tmp_path_factory) -> Path:
    """The lecture's net, order 2."""
    return trained(names_path, tmp_path_factory.mktemp("model"), 2, "table")


@pytest.fixture(scope="module", params=NETS, ids=lambda net: f"{net[1]}-{net[0]}")
def any_model(request, names_path: Path, tmp_path_factory) -> Path:
    order, net = request.param
    return trained(names_path, tmp_path_factory.mktemp("model"), order, net)


_ORIGIN = re.compile(r"\s+(train|new|dev/test)$", re.MULTILINE)


def without_origins(command: tuple, out: str) -> str:
    """A report of `command` without where each name comes from, a question for the data."""
    if command[0] != "sample":
        return out
    if "--json" not in command:
        return _ORIGIN.sub("", out)
    report = json.loads(out)
    report.pop("origins")
    for name in report["names"]:
        name.pop("origin")
    return json.dumps(report)


@pytest.fixture
def no_data(tmp_path: Path, monkeypatch) -> None:
    """The default data is a missing file, and loading any data fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the data was read")

    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path / "missing.txt"))
    monkeypatch.setattr(Session, "load", refuse)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(map(str, c)))
def test_the_same_output_without_reading_the_data(
    capsys, names_path: Path, any_model: Path, monkeypatch, tmp_path: Path, command
) -> None:
    """At every order and for both nets; only where a sampled name comes from needs the data
    (and the lecture's layout at order 2 does not show it)."""
    with_data = run(capsys, command[0], "--data", names_path, "--load", any_model, *command[1:])
    assert with_data[0] == 0 and with_data[2] == ""
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path / "missing.txt"))
    monkeypatch.setattr(Session, "load", lambda *a, **k: pytest.fail("the data was read"))
    alone = run(capsys, command[0], "--load", any_model, *command[1:])
    if "--json" in command or "order 2" not in Session.read_model_file(any_model).describe():
        assert alone[::2] == with_data[::2]
        assert without_origins(command, alone[1]) == without_origins(command, with_data[1])
    else:
        assert alone == with_data
    if command[0] == "sample" and "--json" in command:
        assert all(name["origin"] is None for name in json.loads(alone[1])["names"])
        assert all(name["origin"] in ("train", "new") for name in json.loads(with_data[1])["names"])


def test_the_scores_are_the_loaded_nets(capsys, model: Path, no_data) -> None:
    code, out, _ = run(capsys, "score", "--load", model, "--json", "ava")
    report = json.loads(out)
    assert code == 0 and report["model"]["epochs"] == 20 and report["model"]["file"] == str(model)
    assert 0 < report["words"][0]["mean_nll"] < 4


def test_a_word_of_other_characters_is_still_one_line(capsys, model: Path, no_data) -> None:
    line = one_line_error(*run(capsys, "score", "--load", model, "ava!")[::2])
    assert "use words made of the data's characters" in line


def test_a_file_that_is_not_a_model_is_still_one_line(capsys, tmp_path: Path, no_data) -> None:
    garbage = tmp_path / "garbage.pt"
    garbage.write_text("not a model\n")
    line = one_line_error(*run(capsys, "sample", "--load", garbage)[::2])
    assert line.startswith(f"bigram-tui: {garbage} is not a bigram-tui model file")


def test_a_data_file_given_is_still_read(capsys, model: Path, tmp_path: Path) -> None:
    code, _, err = run(capsys, "sample", "--data", tmp_path / "missing.txt", "--load", model)
    assert code != 0 and "missing.txt" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("options", "error"),
    [
        (("--split-seed", 3), "--split-seed shuffles a split"),
        (("--order", 3), "holds a table net of order 2, not order 3; drop --order or use --order"),
    ],
)
def test_options_the_file_cannot_answer_keep_their_error(capsys, model: Path, options, error):
    line = one_line_error(*run(capsys, "sample", "--load", model, *options)[::2])
    assert error in line
