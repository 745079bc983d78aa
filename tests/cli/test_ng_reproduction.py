"""Issue 19 through the CLI: NG's files, its grid table and test loss, its 200 sampled
characters, and Kneser–Ney's numbers, each equal to what the core computes directly."""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import pytest

from bigram_tui.core.kneser_ney import KneserNey, best_discount
from bigram_tui.core.stream import padded_windows, read_stream, stream_windows, vocab_of_texts

from ..core.ng_files import SPLITS, make_ng_files
from ..core.test_stream import NG_TABLE
from ..core.test_xorshift import NG_NAMES, NG_SAMPLE_SHA256
from .helpers import one_line_error
from .helpers import run_cli as run

NG_GRID = ("--orders", "3,4,5", "--ks", "0.03,0.1,0.3,1")
# Issue 19: Kneser–Ney's test NLL on NG's split, D chosen on val from 0.6, 0.75, 0.85, 0.95.
KN_NUMBERS = [(False, 4, 2.0456), (False, 5, 1.9589), (False, 6, 1.9503), (True, 5, 2.0111)]


@pytest.fixture(scope="module")
def ng(tmp_path_factory) -> dict[str, Path]:
    return make_ng_files(Path(tmp_path_factory.mktemp("ng")))


def files(ng: dict[str, Path]) -> tuple[str, ...]:
    return ("--data", str(ng["train"]), "--dev", str(ng["val"]), "--test", str(ng["test"]))


def test_tune_prints_every_number_of_ngs_table(capsys, ng):
    code, out, err = run(capsys, "tune", *files(ng), "--stream", *NG_GRID)
    assert code == 0, err
    rows = {}
    for line in out.splitlines():
        if match := re.fullmatch(r"  [* ] (\d)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", line):
            order, k, train, dev = match.groups()
            rows[int(order), float(k)] = (train, dev)
    assert rows == NG_TABLE
    assert "  * 4     0.1     1.9028   2.1118" in out.splitlines()
    assert "best on dev: order 4, k 0.1 (dev 2.1118)" in out
    # Printed once, in NG's own words and precision.
    assert out.count("test_loss") == 1
    assert out.endswith("test_loss 2.106370, test_perplexity 8.218358\n")


def test_tune_grid_json_has_full_precision(capsys, ng):
    code, out, err = run(capsys, "tune", *files(ng), "--stream", *NG_GRID, "--json")
    assert code == 0, err
    report = json.loads(out)
    grid = report["grid"]
    assert (grid["method"], grid["value"], len(grid["cells"])) == ("addk", "k", 12)
    for cell in grid["cells"]:
        train, dev = NG_TABLE[cell["order"], cell["value"]]
        assert (f"{cell['train_nll']:.4f}", f"{cell['dev_nll']:.4f}") == (train, dev)
        assert cell["dev_perplexity"] == pytest.approx(math.exp(cell["dev_nll"]))
    assert grid["best"]["order"] == 4 and grid["best"]["value"] == 0.1
    assert f"{grid['test_nll']:f} {grid['test_perplexity']:f}" == "2.106370 8.218358"
    assert report["stream"] is True
    assert report["split"]["files"] == {"train": str(ng["train"]), "dev": str(ng["val"]),
                                        "test": str(ng["test"])}  # fmt: skip
    assert report["split"]["words"] == {"train": 30_032, "dev": 1_000, "test": 1_000}


def test_sample_xorshift_prints_ngs_200_characters(capsys, ng):
    code, out, err = run(
        capsys, "sample", *files(ng), "--stream", "--rng", "xorshift", "--seed", 1337,
        "--order", 4, "--smoothing", 0.1, "--chars", 200,
    )  # fmt: skip
    assert code == 0, err
    text = out[:-1]  # the line end the report is printed with
    assert len(text) == 200 and text.startswith("\n".join(NG_NAMES) + "\n")
    assert hashlib.sha256(text.encode()).hexdigest() == NG_SAMPLE_SHA256


def _core_kn_test_nll(ng: dict[str, Path], stream: bool, order: int) -> float:
    """Kneser–Ney computed straight from core.kneser_ney on windows, D chosen on val."""
    texts = {split: read_stream(ng[split]) for split in SPLITS}
    vocab = vocab_of_texts(texts.values())
    if stream:
        windows = {s: stream_windows(texts[s], vocab, order) for s in SPLITS}
    else:
        windows = {s: padded_windows(texts[s].splitlines(), vocab, order) for s in SPLITS}
    model = KneserNey.fit(windows["train"], vocab.size, order, 0.6)
    d, _ = best_discount(model, windows["val"])
    return model.with_discount(d).mean_nll(windows["test"])


@pytest.mark.parametrize(("stream", "order", "test_nll"), KN_NUMBERS)
def test_kneser_ney_gives_the_issues_numbers(capsys, ng, stream, order, test_nll):
    argv = ["stats", *files(ng), "--order", order, "--smoothing-method", "kn", "--json"]
    code, out, err = run(capsys, *argv, *(["--stream"] if stream else []))
    assert code == 0, err
    report = json.loads(out)
    assert report["smoothing_method"] == "kn" and report["discount_chosen_on_dev"] is True
    test = {part["part"]: part for part in report["parts"]}["test"]
    assert round(test["mean_nll"], 4) == test_nll
    assert test["mean_nll"] == pytest.approx(_core_kn_test_nll(ng, stream, order), abs=1e-12)


def test_kneser_ney_sweeps_discount_in_tune_and_scores_words(capsys, ng):
    code, out, err = run(capsys, "tune", *files(ng), "--smoothing-method", "kn", "--orders", 6)
    assert code == 0, err
    assert "  * 6    0.85" in out and out.endswith("test_loss 1.950252, test_perplexity 7.030457\n")
    code, out, err = run(
        capsys, "score", "emma", *files(ng), "--order", 3, "--smoothing-method", "kn",
        "--discount", 0.75,
    )  # fmt: skip
    assert code == 0, err
    assert "model: Kneser-Ney, discount D=0.75; trigram, fitted on train" in out


def test_kneser_ney_samples_names(capsys, ng):
    code, out, err = run(capsys, "sample", *files(ng), "--order", 5, "--model", "kn", "-n", 5)
    assert code == 0, err
    assert len(out.splitlines()) == 5


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--split", "80/10/10"), "--split and --dev/--test are exclusive"),
        (("--dev", "x.txt"), "--dev needs --test too"),
        (("--test", "x.txt"), "--test needs --dev too"),
        (("--discount", "0.5"), "--discount is Kneser-Ney's D; add --smoothing-method kn"),
        (("--smoothing-method", "kn", "--smoothing", "1"), "Kneser-Ney takes --discount D"),
        (("--discount", "2"), "argument --discount: must be from 0 to 1, got 2"),
    ],
)
def test_bad_combinations_are_one_line(capsys, ng, argv, message):
    base = ("stats", "--data", str(ng["train"]))
    if "--dev" not in argv and "--test" not in argv and "--discount" not in argv[:1]:
        base += ("--dev", str(ng["val"]), "--test", str(ng["test"]))
    code, _, err = run(capsys, *base, *argv)
    assert message in one_line_error(code, err)


def test_xorshift_refuses_what_it_would_ignore(capsys, ng):
    code, _, err = run(capsys, "sample", "--chars", 10)
    assert "add --rng xorshift" in one_line_error(code, err)
    code, _, err = run(capsys, "sample", "--rng", "xorshift", "--trace")
    assert "--trace does not apply to --rng xorshift" in one_line_error(code, err)
    code, _, err = run(capsys, "tune", *files(ng), "--smoothing-method", "kn", "--ks", "1")
    assert "Kneser-Ney sweeps --discounts" in one_line_error(code, err)
