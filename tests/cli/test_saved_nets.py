"""`train --save` then `score --load` and `sample --load` at every order and for both nets:
the saved net is the trained net, and training is reproducible."""

from __future__ import annotations

import pytest

from bigram_tui.core.session import Session

from .helpers import one_line_error
from .helpers import run_cli as run
from .test_cli import strict_json

NETS = [(1, "table"), (2, "linear"), (3, "table"), (3, "linear")]  # (order, net)
EPOCHS = 20
WORDS = ("andrejq", "emma", "zzyzx")


def run_json(capsys, *argv: object) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    report = strict_json(out)
    assert isinstance(report, dict)
    return report


@pytest.mark.parametrize(("order", "net"), NETS)
def test_the_saved_net_is_the_trained_net(capsys, names_path, tmp_path, order, net) -> None:
    path = tmp_path / "m.pt"
    net_options = ("--order", order, "--net", net, "--epochs", EPOCHS)
    trained = run_json(capsys, "train", "--data", names_path, *net_options, "--save", path)
    again = run_json(capsys, "train", "--data", names_path, *net_options)
    # Training is reproducible: the same losses, epoch by epoch, and the same final loss.
    assert trained["epochs"] == again["epochs"] and len(trained["epochs"]) == EPOCHS
    assert trained["summary"]["final_loss"] == again["summary"]["final_loss"]
    assert trained["summary"]["saved_to"] == str(path)
    assert (trained["order"], trained["net"]) == (order, net)
    # The file holds the net and the losses it was trained with.
    saved = Session.read_model_file(path)
    assert (saved.order, saved.kind, saved.epoch) == (order, net, EPOCHS)
    assert list(saved.losses) == [epoch["loss"] for epoch in trained["epochs"]]

    # The loaded net scores as the net trained in the same command does, data or not.
    fresh = run_json(capsys, "score", "--data", names_path, "--model", "neural", *net_options,
                     *WORDS)  # fmt: skip
    with_data = run_json(capsys, "score", "--data", names_path, "--load", path, *WORDS)
    alone = run_json(capsys, "score", "--load", path, *WORDS)
    for loaded in (with_data, alone):
        assert loaded["words"] == fresh["words"] and loaded["total"] == fresh["total"]
        assert loaded["model"] == {**fresh["model"], "file": str(path)}
    assert all(len(step["context"]) == order - 1 for step in alone["words"][0]["steps"])

    sample = ("sample", "-n", 5, "--seed", 3)
    fresh_names = run_json(capsys, *sample, "--data", names_path, "--model", "neural",
                           *net_options)["names"]  # fmt: skip
    for data in (("--data", names_path), ()):
        loaded_names = run_json(capsys, *sample, *data, "--load", path)["names"]
        assert [n["name"] for n in loaded_names] == [n["name"] for n in fresh_names]


def test_the_files_order_becomes_the_commands(capsys, names_path, tmp_path) -> None:
    path = tmp_path / "trigram.pt"
    argv = ("train", "--data", names_path, "--order", 3, "--epochs", 2, "--save", path)
    code, out, _ = run(capsys, *argv)
    assert code == 0 and f"saved to {path}" in out
    code, out, err = run(capsys, "score", "--data", names_path, "--load", path, "andrejq")
    assert (code, err) == (0, "")
    assert "jq -> ." in out and "trigram" in out.splitlines()[0]
    for data in (("--data", names_path), ()):
        code, out, err = run(capsys, "sample", *data, "--load", path, "-n", 3)
        assert (code, err) == (0, "") and len(out.splitlines()) == 3
        # The order given must be the file's, or the command is refused in one line.
        assert run(capsys, "sample", *data, "--load", path, "--order", 3)[0] == 0
        code, out, err = run(capsys, "score", *data, "--load", path, "--order", 2, "ava")
        line = one_line_error(code, err)
        assert out == "" and "holds a table net of order 3, not order 2" in line
        assert "use --order 3" in line
