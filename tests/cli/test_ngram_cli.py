"""The CLI at order n: --order, --split, --temperature, --top-k, train --net, and tune."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from .helpers import one_line_error
from .helpers import run_cli as run
from .test_cli import NOTEBOOK_NAMES, strict_json

CONTEXT_NEVER_SEEN = "context never seen"
NEXT_NEVER_SEEN = "next token never seen after this context"


def run_json(capsys, *argv: object) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    report = strict_json(out)
    assert isinstance(report, dict)
    return report


def parts_of(report: dict) -> dict[str, dict]:
    return {part["part"]: part for part in report["parts"]}


# --- the issue's reference values -----------------------------------------------------

SPLIT_REFERENCES = [
    # order, k, train, dev, test mean NLL (None: not given by the issue)
    (2, "1", 2.4548, 2.4533, 2.4584),
    (3, "0.1", 2.1874, 2.2225, 2.2240),
    (4, "0.1", None, 2.1018, 2.1044),
]


@pytest.mark.parametrize(("order", "k", "train", "dev", "test"), SPLIT_REFERENCES)
def test_stats_with_a_split_gives_the_issue_numbers(capsys, names_path, order, k, train, dev, test):
    report = run_json(
        capsys, "stats", "--data", names_path, "--order", order, "--split", "80/10/10",
        "--smoothing", k,
    )  # fmt: skip
    parts = parts_of(report)
    assert [(p["part"], p["words"]) for p in report["parts"]] == [
        ("train", 25_626), ("dev", 3_203), ("test", 3_204)
    ]  # fmt: skip
    for name, expected in (("train", train), ("dev", dev), ("test", test)):
        if expected is not None:
            assert parts[name]["mean_nll"] == pytest.approx(expected, abs=5e-5)
        assert parts[name]["perplexity"] == pytest.approx(math.exp(parts[name]["mean_nll"]))
    assert sum(p["examples"] for p in report["parts"]) == report["examples"] == 228_146
    assert report["split"] == {
        "percentages": "80/10/10", "seed": 42, "files": None,
        "words": {"train": 25_626, "dev": 3_203, "test": 3_204},
    }  # fmt: skip


WHOLE_REFERENCES = [
    # order, k, mean NLL of all the words, distinct n-grams
    (1, "0", 2.8227, 27), (2, "0", 2.4540, 627), (2, "1", 2.4546, 627), (3, "0", 2.1857, 6_063),
    (3, "1", 2.2126, 6_063), (4, "0", 1.8842, None),
]  # fmt: skip


@pytest.mark.parametrize(("order", "k", "expected", "distinct"), WHOLE_REFERENCES)
def test_stats_without_a_split_scores_all_the_words(
    capsys, names_path, order, k, expected, distinct
):
    """One report at every order: the bigram's is the case n = 2."""
    report = run_json(capsys, "stats", "--data", names_path, "--order", order, "--smoothing", k)
    (part,) = report["parts"]
    assert (part["part"], part["words"], part["examples"]) == ("all", 32_033, 228_146)
    assert part["mean_nll"] == pytest.approx(expected, abs=5e-5)
    assert part["perplexity"] == pytest.approx(math.exp(part["mean_nll"]))
    assert part["unseen"] is None and part["never_seen"] == {}
    assert report["split"] is None and report["order"] == order
    assert report["distinct_ngrams"] == part["distinct_ngrams"]
    if distinct is not None:
        assert report["distinct_ngrams"] == distinct


def test_the_trigram_at_k0_is_inf_on_dev_and_says_why(capsys, names_path):
    argv = ("stats", "--data", names_path, "--order", 3, "--split", "80/10/10")
    parts = parts_of(run_json(capsys, *argv))
    assert parts["train"]["never_seen"] == {}
    assert parts["dev"]["mean_nll"] == parts["dev"]["perplexity"] == "inf"
    assert parts["dev"]["never_seen"] == {CONTEXT_NEVER_SEEN: 5, NEXT_NEVER_SEEN: 132}
    assert parts["test"]["never_seen"] == {CONTEXT_NEVER_SEEN: 4, NEXT_NEVER_SEEN: 144}
    code, out, _ = run(capsys, *argv)
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("dev is inf"))
    assert "137 of its 22,655 n-grams have probability 0" in line
    assert f"5 {CONTEXT_NEVER_SEEN}, 132 {NEXT_NEVER_SEEN}" in line
    rows = [line.split() for line in out.splitlines()]
    table = {row[0]: row for row in rows if len(row) == 5 and row[0] in ("train", "dev")}
    assert table["train"][1:] == ["25,626", "182,625", "2.1827", "8.8701"]
    assert table["dev"][3:] == ["inf", "inf"]


TOP_NGRAMS = [
    (1, [("", "a", 33885), ("", ".", 32033), ("", "e", 20423)]),
    (2, [("n", ".", 6763), ("a", ".", 6640), ("a", "n", 5438)]),
    (3, [("..", "a", 4410), ("..", "k", 2963), ("..", "m", 2538)]),
]


@pytest.mark.parametrize(("order", "top"), TOP_NGRAMS)
def test_stats_lists_the_top_ngrams_of_the_order(capsys, names_path, order, top):
    report = run_json(capsys, "stats", "--data", names_path, "--order", order, "--top", 3)
    assert report["top_ngrams"] == [
        {"ngram": context + following, "context": context, "next": following, "count": count}
        for context, following, count in top
    ]


# --- order 2 with nothing else is today's output, byte for byte ---------------------

SAME_AS_TODAY = [
    (("stats",), ("stats", "--order", 2)),
    (("score", "andrejq", "emma"), ("score", "andrejq", "emma", "--order", "2")),
    (("sample",), ("sample", "--order", 2, "--temperature", 1)),
    (("sample", "--json"), ("sample", "--json", "--temperature", "1.0")),
    (("train", "--epochs", 3), ("train", "--epochs", 3, "--order", 2)),
]


@pytest.mark.parametrize(("today", "with_defaults"), SAME_AS_TODAY)
def test_default_values_change_nothing(capsys, names_path, today, with_defaults):
    first = run(capsys, *today, "--data", names_path)
    second = run(capsys, *with_defaults, "--data", names_path)
    assert first == second and first[0] == 0


def test_top_k_of_every_token_at_order_2_samples_the_notebook_names(capsys, names_path):
    # --top-k 27 keeps every token: nothing reshaped.
    report = run_json(capsys, "sample", "--data", names_path, "--top-k", 27)
    assert [name["name"] for name in report["names"]] == NOTEBOOK_NAMES
    assert report["temperature"] == 1.0 and report["top_k"] == 27


# --- score ----------------------------------------------------------------------------


SCORE_STEPS = [
    # order, the first and the last two steps of andrejq (context, next, reason), P(first)
    (1, [("", "a", None), ("", "q", None), ("", ".", None)], 33885 / 228146),
    (2, [(".", "a", None), ("j", "q", NEXT_NEVER_SEEN), ("q", ".", None)], 4410 / 32033),
    (3, [("..", "a", None), ("ej", "q", NEXT_NEVER_SEEN), ("jq", ".", CONTEXT_NEVER_SEEN)],
     4410 / 32033),
]  # fmt: skip


@pytest.mark.parametrize(("order", "steps", "first_prob"), SCORE_STEPS)
def test_score_shows_context_next_and_why_minus_inf(capsys, names_path, order, steps, first_prob):
    """One schema at every order: the bigram's steps have a context of one token."""
    report = run_json(capsys, "score", "--data", names_path, "--order", order, "andrejq")
    (word,) = report["words"]
    rows = [(s["context"], s["next"], s["reason"]) for s in word["steps"]]
    assert len(rows) == len("andrejq") + 1
    assert [rows[0], *rows[-2:]] == steps
    assert word["steps"][0]["prob"] == pytest.approx(first_prob)
    infinite = [s for s in word["steps"] if s["log_prob"] == "-inf"]
    assert [(s["context"], s["next"], s["reason"]) for s in infinite] == [
        step for step in steps if step[2] is not None
    ]
    assert (word["mean_nll"] == "inf") == bool(infinite)
    assert report["model"] == {
        "kind": "counts",
        "smoothing": 0.0,
        "order": order,
        "split": None,
        "stream": False,
    }


def test_score_at_order_3_shows_the_reason_in_text(capsys, names_path):
    code, out, _ = run(capsys, "score", "--data", names_path, "--order", 3, "andrejq")
    assert code == 0
    assert any(line.split() == ["jq", "->", ".", "0.0000", "-inf", "context", "never", "seen"]
               for line in out.splitlines())  # fmt: skip
    assert "perplexity      inf" in out


def test_score_with_a_split_fits_on_train(capsys, names_path):
    argv = ("score", "--data", names_path, "--order", 3, "--smoothing", 1, "emma")
    whole = run_json(capsys, *argv)
    split = run_json(capsys, *argv, "--split", "80/10/10")
    assert split["model"]["split"]["words"]["train"] == 25_626
    assert whole["words"][0]["mean_nll"] != split["words"][0]["mean_nll"]
    total = split["total"]
    assert total["perplexity"] == pytest.approx(math.exp(total["mean_nll"]))


# --- sample ---------------------------------------------------------------------------


def test_top_k_1_is_deterministic_whatever_the_seed(capsys, names_path):
    argv = ("sample", "--data", names_path, "--order", 3, "--top-k", 1, "-n", 5)
    first, second = run(capsys, *argv, "--seed", 1), run(capsys, *argv, "--seed", 2)
    assert first == second and first[0] == 0
    assert len(set(first[1].splitlines())) == 1


def test_temperature_changes_the_names(capsys, names_path):
    argv = ("sample", "--data", names_path, "--order", 3, "-n", 20)
    cold = run_json(capsys, *argv, "--temperature", "0.3")
    warm = run_json(capsys, *argv)
    assert [n["name"] for n in cold["names"]] != [n["name"] for n in warm["names"]]
    # Sharper distributions repeat training words far more often.
    cold_train = sum(n["origin"] == "train" for n in cold["names"])
    assert cold_train > sum(n["origin"] == "train" for n in warm["names"])


def test_sampled_names_are_marked_train_dev_test_or_new(capsys, names_path, names):
    from bigram_tui.core.split import split_words

    report = run_json(
        capsys, "sample", "--data", names_path, "--order", 4, "--split", "80/10/10", "-n", 200
    )
    split = split_words(names)
    expected = {
        n["name"]: "train" if n["name"] in split.train
        else "dev/test" if n["name"] in (*split.dev, *split.test) else "new"
        for n in report["names"]
    }  # fmt: skip
    assert {n["name"]: n["origin"] for n in report["names"]} == expected
    assert set(expected.values()) == {"train", "dev/test", "new"}
    whole = run_json(capsys, "sample", "--data", names_path, "--order", 4, "-n", 50)
    known = set(names)
    assert all(n["origin"] == ("train" if n["name"] in known else "new") for n in whole["names"])


def test_trace_at_order_3_shows_the_shaped_and_the_model_probability(capsys, names_path):
    report = run_json(
        capsys, "sample", "--data", names_path, "--order", 3, "--top-k", 1, "-n", 1, "--trace"
    )
    first = report["names"][0]["draws"][0]
    assert first["context"] == ".." and first["p"] == 1.0
    assert first["p_model"] == pytest.approx(4410 / 32033)


# --- train ----------------------------------------------------------------------------


def test_the_table_net_at_order_2_is_the_lecture_net(capsys, names_path):
    report = run_json(capsys, "train", "--data", names_path, "--net", "table", "--epochs", 3)
    losses = [round(e["loss"], 4) for e in report["epochs"]]
    assert losses == [3.7590, 3.3711, 3.1540]
    assert report["parameters"] == 27 * 27 and report["split"] is None
    assert all(e["dev_loss"] is None for e in report["epochs"])


@pytest.mark.parametrize(("net", "parameters"), [("table", 595 * 27), ("linear", 2 * 27 * 27)])
def test_train_with_a_split_prints_the_dev_loss_and_parameters(capsys, names_path, net, parameters):
    argv = ("train", "--data", names_path, "--net", net, "--order", 3, "--split", "80/10/10")
    report = run_json(capsys, *argv, "--epochs", 4, "--every", 2)
    assert report["parameters"] == parameters
    assert [e["epoch"] for e in report["epochs"]] == [0, 2, 3]
    assert all(e["dev_loss"] > 0 for e in report["epochs"])
    assert report["summary"]["final_dev_nll"] > 0
    code, out, _ = run(capsys, *argv, "--epochs", 2)
    assert code == 0
    assert f"{parameters:,} parameters" in out.splitlines()[0]
    assert out.splitlines()[1].startswith("epoch 0  train loss ") and "dev loss" in out


# --- tune -----------------------------------------------------------------------------


def test_tune_at_order_3_finds_the_best_k_and_lambda(capsys, names_path):
    report = run_json(capsys, "tune", "--data", names_path, "--order", 3)
    k_sweep, l_sweep = report["k_sweep"], report["lambda_sweep"]
    assert report["split"]["words"] == {"train": 25_626, "dev": 3_203, "test": 3_204}
    assert len(k_sweep["ks"]) == 40 and k_sweep["ks"][0] == 0 and k_sweep["dev_nll"][0] == "inf"
    assert k_sweep["best_k"] == pytest.approx(0.143845, rel=1e-5)
    assert k_sweep["best_dev_nll"] == pytest.approx(2.2221, abs=5e-5)
    assert k_sweep["test_nll"] == pytest.approx(2.2235, abs=5e-5)
    assert len(l_sweep["lambdas"]) == 20 and all(l_sweep["converged"])
    assert l_sweep["best_dev_nll"] == min(l_sweep["dev_nll"])
    assert l_sweep["test_nll"] == pytest.approx(2.2223, abs=5e-4)
    # The matching k's counts model scores on dev about as the best λ's net does.
    assert report["matching_k"]["dev_nll"] == pytest.approx(l_sweep["best_dev_nll"], abs=2e-3)
    assert 0.05 < report["matching_k"]["k"] < 0.5


def test_tune_text_marks_the_best_rows(capsys, names_path):
    code, out, err = run(capsys, "tune", "--data", names_path, "--split", "80/10/10")
    assert code == 0, err
    best = [line for line in out.splitlines() if line.lstrip().startswith("* ")]
    assert len(best) == 2  # one k, one λ
    assert "best k " in out and "best λ " in out and "matching k: " in out
    assert "bigram, split 80/10/10 of the words, shuffled with seed 42" in out.splitlines()[0]


# --- JSON and errors ------------------------------------------------------------------

NEW_REPORTS = [
    ("stats", "--order", 3, "--split", "80/10/10"),
    ("score", "--order", 3, "--split", "80/10/10", "andrejq", "emma"),
    ("sample", "--order", 3, "--split", "80/10/10", "--trace", "-n", 2, "--sampler", "torch"),
    # The unigram's one row takes the whole gradient: lr 50 would diverge.
    ("train", "--order", 1, "--net", "table", "--epochs", 2, "--split", "80/10/10", "--lr", 1),
]


@pytest.mark.parametrize("argv", NEW_REPORTS)
def test_new_reports_are_strict_json(capsys, names_path, argv):
    code, out, err = run(capsys, *argv, "--data", names_path, "--json")
    assert code == 0, err
    assert "NaN" not in out and "Infinity" not in out
    strict_json(out)
    json.loads(out)


BAD_VALUES = [
    (("stats", "--order", 0), "argument --order: must be from 1 to 6, got 0"),
    (("score", "emma", "--order", 9), "argument --order: must be from 1 to 6, got 9"),
    (("sample", "--order", "2.5"), "argument --order: expected a whole number"),
    (("sample", "--temperature", 0), "argument --temperature: must be more than 0, got 0"),
    (("sample", "--temperature", "-1"), "argument --temperature: must be more than 0"),
    (("sample", "--temperature", "inf"), "argument --temperature: must be a finite number"),
    (("sample", "--top-k", 0), "argument --top-k: must be at least 1, got 0"),
    (("stats", "--split", "80/10/5"), "argument --split: must add up to 100, got 80/10/5 = 95"),
    (("train", "--split", "90/10/0"), "argument --split: test must be at least 1%"),
    (("stats", "--split", "80/20"), "argument --split: expected three whole percentages"),
    (("tune", "--split", "80.5/10/9.5"), "argument --split: expected three whole percentages"),
    (
        ("stats", "--split-seed", "-1", "--split", "80/10/10"),
        "argument --split-seed: must be between 0",
    ),
    (("stats", "--split-seed", 3), "--split-seed shuffles a split; add --split"),
    (("train", "--net", "linear", "--order", 1), "the linear net needs a context"),
    (("train", "--net", "mlp"), "argument --net: invalid choice"),
    (("sample", "--net", "linear"), "--net applies to the neural model; add --model neural"),
    (("score", "a", "--model", "neural", "--net", "linear", "--order", 1), "needs a context"),
]


@pytest.mark.parametrize(("argv", "expected"), BAD_VALUES)
def test_bad_values_get_exit_2_and_one_line(capsys, names_path, argv, expected):
    code, out, err = run(capsys, *argv, "--data", names_path)
    assert out == ""
    assert expected in one_line_error(code, err)


def test_a_split_that_leaves_a_part_empty_is_refused(capsys, tmp_path: Path):
    data = tmp_path / "five.txt"
    data.write_text("ab\nba\nabc\nca\ncab\n", encoding="utf-8")
    code, out, err = run(capsys, "stats", "--data", data, "--split", "80/10/10")
    assert out == ""
    line = one_line_error(code, err)
    assert line == (
        "bigram-tui: split: 80/10/10 leaves dev empty for 5 words; "
        "give dev a larger share or use more words"
    )
    code, out, err = run(capsys, "stats", "--data", data, "--split", "20/40/40", "--json")
    assert code == 0, err
    assert [p["words"] for p in strict_json(out)["parts"]] == [1, 2, 2]  # type: ignore[index]


def test_the_unigram_trains_at_its_own_default_lr(capsys, names_path) -> None:
    """At the lecture's lr 50 the unigram's one row diverges; its default is 10."""
    code, out, _ = run(capsys, "train", "--data", names_path, "--order", 1, "--epochs", 100)
    assert code == 0
    assert "(lr 10, reg 0, seed 2147483647)" in out
    assert "train loss of the final weights: 2.8227" in out
    code, _, err = run(capsys, "train", "--data", names_path, "--order", 1, "--lr", 50)
    assert code == 2 and "training diverged" in err and "with lr=50" in err


# --- what train never shows -------------------------------------------------------------


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
def test_stats_counts_what_train_never_shows_as_the_session_does(capsys, names_path, order):
    """Occurrences and distinct n-grams, defined once (the session's Unseen, which the
    Evaluate pane prints too): JSON gives the four numbers, text the one phrase."""
    from bigram_tui.core.session import Session

    argv = ("stats", "--data", names_path, "--order", order, "--split", "80/10/10")
    parts = parts_of(run_json(capsys, *argv))
    code, text, _ = run(capsys, *argv)
    assert code == 0
    unseen = Session.load(names_path, order=order, split=(0.8, 0.1, 0.1)).unseen()
    assert parts["train"]["unseen"] is None
    for name in ("dev", "test"):
        expected = unseen[name]
        assert parts[name]["unseen"] == {
            "examples": expected.examples, "ngrams": expected.ngrams,
            "context_examples": expected.context_examples, "contexts": expected.contexts,
            "described": expected.describe(name),
        }  # fmt: skip
        # At k = 0 the examples train never shows are exactly those scored −inf.
        assert expected.examples == sum(parts[name]["never_seen"].values())
        assert expected.context_examples == parts[name]["never_seen"].get(CONTEXT_NEVER_SEEN, 0)
        if expected.examples:
            assert expected.describe(name) in text.splitlines()
    if order == 3:
        assert parts["dev"]["unseen"]["described"] == (
            "137 dev examples (133 distinct n-grams) never seen in train, "
            "5 of them in a context never seen"
        )
