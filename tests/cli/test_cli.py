"""The headless CLI, called in-process through `main(argv)` (plus one run of the real script)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from bigram_tui.tui.cli import main as cli

from .helpers import run_cli as run

NOTEBOOK_NAMES = [
    "mor", "axx", "minaymoryles", "kondlaisah", "anchshizarie", "odaren", "iaddash", "h",
    "jhinatien", "egushl", "h", "br", "a", "jayn", "ilemannariaenien", "be", "f", "akiinela",
    "trttanakeroruceyaaxatona", "lamoynayrkiedengin",
]  # fmt: skip
UNIFORM_NAMES = [
    "qvsaayxbqrqmyqwuznivanukotdjvdhd",
    "qnoymtzduqkatdetkpfjdgigvlejfkrsqlwnirghhzwlu",
    "idcx",
]
SMALL_WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia"]


def strict_json(text: str) -> object:
    """json.loads that fails on NaN and Infinity, which strict JSON does not have."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def assert_one_line_error(code: int, out: str, err: str, expected_code: int = 2) -> str:
    assert code == expected_code
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.strip()


@pytest.fixture
def small_data(tmp_path: Path) -> Path:
    path = tmp_path / "words.txt"
    path.write_text("\n".join(SMALL_WORDS) + "\n", encoding="utf-8")
    return path


# --- the lecture's numbers ------------------------------------------------------------


def test_sample_defaults_print_the_notebook_names(capsys, names_path: Path) -> None:
    code, out, err = run(capsys, "sample", "--data", names_path)
    assert (code, err) == (0, "")
    assert out.splitlines() == NOTEBOOK_NAMES


def test_uniform_names(capsys, names_path: Path) -> None:
    code, out, _ = run(capsys, "sample", "--data", names_path, "--model", "uniform", "-n", 3)
    assert code == 0
    assert out.splitlines() == UNIFORM_NAMES


def test_neural_names_after_500_epochs(capsys, names_path: Path) -> None:
    code, out, _ = run(capsys, "sample", "--data", names_path, "--model", "neural", "-n", 5)
    assert code == 0
    assert out.splitlines() == NOTEBOOK_NAMES[:5]


def test_score_andrejq(capsys, names_path: Path) -> None:
    code, out, _ = run(capsys, "score", "--data", names_path, "andrejq")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip()}
    assert rows[".a"] == ["0.1377", "-1.9829"]
    assert rows["ej"][1] == "-5.9171"
    assert rows["jq"] == ["0.0000", "-inf"]
    assert rows["q."][1] == "-2.2736"
    assert rows["mean"][:2] == ["NLL", "inf"]


def test_score_with_smoothing(capsys, names_path: Path) -> None:
    code, out, _ = run(capsys, "score", "--data", names_path, "--smoothing", 1, "andrejq")
    assert code == 0
    assert "jq       0.0003    -7.9817" in out
    assert "mean NLL        3.4834" in out


def test_stats(capsys, names_path: Path) -> None:
    code, out, _ = run(capsys, "stats", "--data", names_path)
    assert code == 0
    fields = {line[:16].strip(): line[16:].strip() for line in out.splitlines()}
    assert fields["words"] == "32033"
    assert fields["bigrams"] == "228146"
    assert fields["vocabulary"] == "27 tokens: '.' and 'abcdefghijklmnopqrstuvwxyz'"
    assert fields["word length"] == "2 to 15 characters"
    # The notebook prints 2.4541 after summing in float32; the float64 value is 2.454014.
    assert fields["mean NLL"] == "2.4540"
    assert fields["log-likelihood"] == "-559873.5896"
    # Why the notebook's numbers differ, in one line (issue 18.20).
    assert fields["notebook"] == "-559891.75, mean NLL 2.4541: In[16] sums in float32"
    assert "   1  n.  6763" in out and "   4  .a  4410" in out


def test_stats_json_has_the_notebooks_float32_sum(capsys, names_path: Path) -> None:
    code, out, _ = run(capsys, "stats", "--data", names_path, "--json")
    assert code == 0 and strict_json(out)["notebook_log_likelihood"] == -559891.75
    code, out, _ = run(capsys, "stats", "--data", names_path, "--json", "--smoothing", "1")
    assert "notebook_log_likelihood" not in strict_json(out)  # the notebook's is at k=0


def test_help_says_the_data_is_built_in(capsys) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "built into the package" in out and "downloaded" not in out


def test_stats_json(capsys, names_path: Path) -> None:
    code, out, _ = run(capsys, "stats", "--data", names_path, "--json", "--top", 3)
    report = strict_json(out)
    assert code == 0
    assert report["words"] == 32033 and report["examples"] == 228146
    assert report["order"] == 2 and report["split"] is None
    (whole,) = report["parts"]
    assert (whole["part"], whole["words"], whole["examples"]) == ("all", 32033, 228146)
    assert whole["mean_nll"] == pytest.approx(2.454014489, abs=1e-9)
    assert whole["unseen"] is None  # nothing is held out without a split
    assert report["vocabulary"]["size"] == 27
    assert report["top_ngrams"][0] == {"ngram": "n.", "context": "n", "next": ".", "count": 6763}
    assert len(report["top_ngrams"]) == 3


def test_stats_top_keeps_the_notebooks_order_among_ties(capsys, names_path: Path) -> None:
    """In[7]'s list: ll and il both count 1,345, and ll comes first in the data."""
    code, out, _ = run(capsys, "stats", "--data", names_path, "--json", "--top", 50)
    top = [
        (entry["context"] + entry["next"], entry["count"])
        for entry in strict_json(out)["top_ngrams"]
    ]
    assert code == 0
    assert top[48:50] == [("ll", 1345), ("il", 1345)]


def test_train_prints_the_notebook_losses(capsys, names_path: Path) -> None:
    code, out, _ = run(capsys, "train", "--data", names_path, "--epochs", 3)
    assert code == 0
    epoch_lines = [line for line in out.splitlines() if line.startswith("epoch")]
    losses = [round(float(line.split()[-1]), 4) for line in epoch_lines]
    assert losses == [3.7590, 3.3711, 3.1540]
    assert "trained 3 epochs (lr 50, reg 0, seed 2147483647)" in out


def test_train_json_and_every(capsys, names_path: Path) -> None:
    code, out, _ = run(capsys, "train", "--data", names_path, "--epochs", 500, "--every", 100)
    assert code == 0
    assert [line.split()[1] for line in out.splitlines()[:6]] == [
        "0", "100", "200", "300", "400", "499",
    ]  # fmt: skip
    code, out, _ = run(capsys, "train", "--data", names_path, "--epochs", 500, "--json")
    report = strict_json(out)
    assert len(report["epochs"]) == 500
    assert report["epochs"][0] == {
        "epoch": 0, "loss": pytest.approx(3.7590, abs=5e-5), "dev_loss": None
    }  # fmt: skip
    assert report["summary"]["last_loss"] == pytest.approx(2.45698, abs=5e-6)
    assert report["summary"]["saved_to"] is None


# --- JSON -----------------------------------------------------------------------------


def test_score_json_writes_infinities_as_strings(capsys, names_path: Path) -> None:
    code, out, _ = run(capsys, "score", "--data", names_path, "--json", "andrejq", "ava")
    report = strict_json(out)
    assert code == 0
    andrejq = report["words"][0]
    jq = next(s for s in andrejq["steps"] if (s["context"], s["next"]) == ("j", "q"))
    assert jq == {
        "context": "j", "next": "q", "prob": 0.0, "log_prob": "-inf",
        "reason": "next token never seen after this context",
    }  # fmt: skip
    assert andrejq["log_likelihood"] == "-inf"
    assert (andrejq["nll"], andrejq["mean_nll"]) == ("inf", "inf")
    assert report["total"]["mean_nll"] == "inf"
    assert report["words"][1]["mean_nll"] == pytest.approx(2.1764, abs=1e-4)
    assert report["model"] == {
        "kind": "counts",
        "smoothing": 0.0,
        "order": 2,
        "split": None,
        "stream": False,
    }


@pytest.mark.parametrize(
    "argv",
    [
        ["stats"],
        ["score", "emma", "hope"],
        ["score", "--model", "uniform", "ava"],
        ["score", "--model", "neural", "--epochs", "5", "ava"],
        ["sample", "-n", "3", "--trace"],
        ["sample", "-n", "3", "--trace", "--sampler", "torch"],
        ["sample", "--max-length", "2"],
        ["train", "--epochs", "4"],
    ],
)
def test_json_is_strict(capsys, small_data: Path, argv: list[str]) -> None:
    code, out, err = run(capsys, *argv, "--data", small_data, "--json")
    assert (code, err) == (0, "")
    assert "NaN" not in out and "Infinity" not in out
    strict_json(out)


# --- sampling -------------------------------------------------------------------------


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("sampler", ["classic", "torch"])
def test_trace_draws_the_same_names(capsys, small_data: Path, sampler: str, order: int) -> None:
    """A draw records the same fields at every order: the bigram's context is one token."""
    argv = ["sample", "--data", small_data, "-n", 6, "--sampler", sampler, "--seed", 3]
    argv += ["--order", order]
    _, plain, _ = run(capsys, *argv, "--json")
    code, traced, _ = run(capsys, *argv, "--json", "--trace")
    assert code == 0
    plain_names = [n["name"] for n in strict_json(plain)["names"]]
    traced_names = strict_json(traced)["names"]
    assert [n["name"] for n in traced_names] == plain_names
    for name in traced_names:
        draws = name["draws"]
        assert "".join(d["next"] for d in draws) == name["name"] + "."
        padded = "." * (order - 1) + name["name"]
        assert [d["context"] for d in draws] == [
            padded[i : i + order - 1] for i in range(len(draws))
        ]
        for draw in draws:
            assert draw["p"] == draw["p_model"]  # nothing reshaped
            if sampler == "classic":
                low, high = draw["interval"]
                assert low < draw["u"] <= high
                assert high - low == pytest.approx(draw["p"])
            else:
                assert len(draw["uniforms"]) == len(set("".join(SMALL_WORDS))) + 1
                assert draw["ratio"] == pytest.approx(draw["p"] / draw["q"])


def test_trace_text(capsys, names_path: Path) -> None:
    code, out, _ = run(capsys, "sample", "--data", names_path, "-n", 1, "--trace")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "1: mor"
    assert lines[1].split()[:3] == [".", "->", "m"]
    assert "u=" in lines[1] and " in (" in lines[1]
    assert len(lines) == 5  # m, o, r and the final '.'


def test_a_cut_name_is_marked(capsys, names_path: Path) -> None:
    argv = ["sample", "--data", names_path, "-n", 3, "--max-length", 3]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert out.splitlines() == ["mor…", "a", "tua…"]
    names = strict_json(run(capsys, *argv, "--json")[1])["names"]
    assert names[0] == {"name": "mor", "cut": True, "origin": "new"}
    assert names[1] == {"name": "a", "cut": False, "origin": "new"}


# --- saved models ---------------------------------------------------------------------


def test_train_save_then_load(capsys, names_path: Path, tmp_path: Path) -> None:
    model = tmp_path / "model.pt"
    code, out, _ = run(capsys, "train", "--data", names_path, "--save", model, "--every", 1000)
    assert code == 0 and f"saved to {model}" in out
    code, out, _ = run(capsys, "sample", "--data", names_path, "--load", model, "-n", 5)
    assert (code, out.splitlines()) == (0, NOTEBOOK_NAMES[:5])
    code, out, _ = run(capsys, "score", "--data", names_path, "--load", model, "--json", "ava")
    assert strict_json(out)["model"] == {
        "kind": "neural", "net": "table", "order": 2, "split": None, "stream": False,
        "file": str(model),
        "epochs": 500, "lr": 50.0, "reg": 0.0, "seed": 2147483647, "parameters": 27 * 27,
    }  # fmt: skip


def test_a_model_of_other_data_is_refused(capsys, small_data: Path, names_path: Path, tmp_path):
    model = tmp_path / "small.pt"
    assert run(capsys, "train", "--data", small_data, "--epochs", 2, "--save", model)[0] == 0
    error = assert_one_line_error(*run(capsys, "score", "--data", names_path, "--load", model, "a"))
    assert "saved for a 12-character vocabulary" in error
    assert error.endswith("train again on this data")


def test_a_file_that_is_not_a_model(capsys, small_data: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pt"
    garbage.write_text("not a model\n")
    error = assert_one_line_error(*run(capsys, "sample", "--data", small_data, "--load", garbage))
    assert error.startswith(f"bigram-tui: {garbage} is not a bigram-tui model file")


def test_training_that_diverges(capsys, small_data: Path) -> None:
    code, out, err = run(capsys, "train", "--data", small_data, "--lr", "1e308", "--json")
    error = assert_one_line_error(code, out, err)
    assert error.startswith("bigram-tui: training diverged:")
    assert error.endswith("run again with a smaller --lr")


# --- bad input: exit 2, one line on stderr ---------------------------------------------

BAD_ARGUMENTS = [
    ["sample", "-n", "0"],
    ["sample", "-n", "-3"],
    ["sample", "-n", "many"],
    ["sample", "--smoothing", "-1"],
    ["sample", "--smoothing", "nan"],
    ["stats", "--smoothing", "inf"],
    ["stats", "--top", "0"],
    ["score", "--smoothing", "-inf", "ava"],
    ["train", "--lr", "0"],
    ["train", "--lr", "-5"],
    ["train", "--lr", "nan"],
    ["train", "--reg", "-0.1"],
    ["train", "--epochs", "-1"],
    ["train", "--epochs", "1000001"],
    ["train", "--epochs", "1e3"],
    ["train", "--every", "0"],
    ["sample", "--seed", "-1"],
    ["sample", "--seed", str(2**64)],
    ["sample", "--seed", "1.5"],
    ["train", "--seed", "-7"],
    ["--seed", "-1"],
    ["sample", "--max-length", "0"],
    ["sample", "--sampler", "fancy"],
    ["sample", "--model", "gpt"],
    ["sample", "--bogus"],
    ["frobnicate"],
    ["score"],
    ["score", "ava", "--model", "neural", "--smoothing", "1"],
    ["score", "ava", "--epochs", "5"],
    ["sample", "--model", "uniform", "--train-seed", "5"],
    ["sample", "--model", "counts", "--load", "m.pt"],
    ["score", "ava", "--load", "m.pt", "--lr", "1"],
    ["--no-mouse", "stats"],
    ["train", "--save", "/no/such/directory/model.pt"],
]


@pytest.mark.parametrize("argv", BAD_ARGUMENTS, ids=" ".join)
def test_bad_arguments(capsys, small_data: Path, argv: list[str]) -> None:
    error = assert_one_line_error(*run(capsys, *argv, "--data", small_data))
    assert error.startswith("bigram-tui")


def test_argparse_errors_are_one_line_with_a_pointer_to_help(capsys) -> None:
    error = assert_one_line_error(*run(capsys, "sample", "-n", "0"))
    assert error == (
        "bigram-tui sample: error: argument -n: must be at least 1, got 0 "
        "(see bigram-tui sample --help)"
    )
    error = assert_one_line_error(*run(capsys, "sample", "--bogus"))
    assert error.endswith("unrecognized arguments: --bogus (see bigram-tui sample --help)")
    error = assert_one_line_error(*run(capsys, "train", "--epochs", "5000000"))
    assert "at most 1,000,000" in error


@pytest.mark.parametrize(
    ("word", "expected"),
    [("andré", "'é' at 5"), ("Ava", "'A' at 1"), ("a.b", "'.' at 2"), ("ava\x1b", "'\\x1b' at 4")],
)
def test_words_outside_the_vocabulary(capsys, names_path: Path, word: str, expected: str):
    for model in ("counts", "neural"):
        argv = ["score", "--data", names_path, "--model", model, "ava", word]
        error = assert_one_line_error(*run(capsys, *argv))
        assert error.startswith(f"bigram-tui: cannot score {word!r}: not in the vocabulary: ")
        assert expected in error


def test_bad_data_files(capsys, tmp_path: Path) -> None:
    errors = {}
    (tmp_path / "dotted.txt").write_text("ava\nmr.x\n")
    (tmp_path / "empty.txt").write_text("\n\n")
    for name in ("missing.txt", "dotted.txt", "empty.txt", "."):
        errors[name] = assert_one_line_error(*run(capsys, "stats", "--data", tmp_path / name))
    assert "no such file" in errors["missing.txt"]
    assert "line 2" in errors["dotted.txt"]
    assert "contains no words" in errors["empty.txt"]
    assert "is a directory" in errors["."]


def test_top_level_data_reaches_the_subcommand(capsys, small_data: Path) -> None:
    code, out, _ = run(capsys, "--data", small_data, "stats", "--json")
    assert code == 0 and strict_json(out)["words"] == len(SMALL_WORDS)


# --- failures that are not the user's ---------------------------------------------------


def test_an_internal_error_is_one_line(capsys, small_data: Path, monkeypatch) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("something\nunexpected")

    monkeypatch.setitem(cli._COMMANDS, "stats", broken)
    error = assert_one_line_error(*run(capsys, "stats", "--data", small_data), expected_code=1)
    assert error.startswith("bigram-tui: internal error: RuntimeError: something unexpected;")
    monkeypatch.setenv("BIGRAM_TUI_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["stats", "--data", str(small_data)])


def test_ctrl_c_exits_130_quietly(capsys, small_data: Path, monkeypatch) -> None:
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli._COMMANDS, "train", interrupted)
    assert run(capsys, "train", "--data", small_data) == (130, "", "")


def test_a_closed_pipe_exits_quietly(small_data: Path, monkeypatch, capsys) -> None:
    class ClosedPipe:
        def write(self, text: str) -> int:
            raise BrokenPipeError

        def flush(self) -> None:
            raise BrokenPipeError

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    code = cli.main(["sample", "--data", str(small_data), "-n", "1000"])
    monkeypatch.undo()
    assert code == cli.EXIT_BROKEN_PIPE
    assert capsys.readouterr().err == ""


def test_warnings_never_reach_the_user(capsys, small_data: Path, monkeypatch) -> None:
    def noisy(args: object) -> int:
        warnings.warn("Failed to initialize NumPy", UserWarning, stacklevel=1)
        return 0

    monkeypatch.setitem(cli._COMMANDS, "stats", noisy)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert run(capsys, "stats", "--data", small_data) == (0, "", "")
    assert seen == []


# --- the app, help, version, imports ---------------------------------------------------


def test_no_subcommand_starts_the_app(monkeypatch) -> None:
    from bigram_tui.tui.app import app

    calls = []
    monkeypatch.setattr(app, "run_app", lambda **kwargs: calls.append(kwargs) or 0)
    assert cli.main([]) == 0
    assert cli.main(["--data", "w.txt", "--seed", "7", "--no-mouse", "--truecolor"]) == 0
    app_defaults = {"order": 2, "load": None, "screenshots": None, "dev": None, "test": None,
                    "stream": False}  # fmt: skip
    assert calls == [
        {"data": None, "seed": 2147483647, "mouse": True, "truecolor": False, **app_defaults},
        {"data": "w.txt", "seed": 7, "mouse": False, "truecolor": True, **app_defaults},
    ]


def test_help_lists_the_commands_and_the_json_convention(capsys) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("stats", "score", "sample", "train"):
        assert f"    {command} " in out
    assert '"-inf"' in out and "--json" in out
    code, out, _ = run(capsys, "score", "--help")
    assert code == 0 and "--load PATH" in out and '"-inf"' in out


def test_version(capsys) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("bigram-tui ")


def test_defaults_agree_with_the_core() -> None:
    from bigram_tui.core import neural, rng, sampling
    from bigram_tui.tui.cli import parser

    assert parser.DEFAULT_SEED == rng.DEFAULT_SEED
    assert parser.DEFAULT_EPOCHS == neural.DEFAULT_EPOCHS
    assert parser.DEFAULT_LR == neural.DEFAULT_LR
    assert parser.DEFAULT_MAX_LENGTH == sampling.DEFAULT_MAX_LENGTH


def test_importing_the_cli_imports_neither_torch_nor_textual() -> None:
    probe = (
        "import sys, bigram_tui.tui.cli.main; "
        "print(sorted(m for m in ('torch', 'textual') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_installed_script(small_data: Path) -> None:
    script = shutil.which("bigram-tui") or str(Path(sys.executable).with_name("bigram-tui"))
    if not Path(script).is_file():
        pytest.skip("the bigram-tui console script is not installed")
    env = {k: v for k, v in os.environ.items() if k != "BIGRAM_TUI_DEBUG"}

    bad = subprocess.run([script, "sample", "--bogus"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr

    argv = [script, "sample", "-n", "3", "--data", str(small_data)]
    good = subprocess.run(argv, capture_output=True, text=True, env=env)
    assert (good.returncode, good.stderr) == (0, "")
    assert len(good.stdout.splitlines()) == 3

    # `bigram-tui sample -n 100000 | head -1`: the reader leaves early; no traceback.
    argv = [script, "sample", "-n", "100000", "--data", str(small_data)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()
        stderr = proc.stderr.read()
    assert proc.returncode == cli.EXIT_BROKEN_PIPE
    assert stderr == b""
