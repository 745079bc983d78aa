"""Sampling from models that never end a name, the uniform model, odd seeds, long auto-runs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import torch
from textual.widgets import Input, RichLog

from bigram_tui.core.batch_sampling import sample_names
from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.defaults import DEFAULT_MAX_LENGTH
from bigram_tui.core.model import UniformModel, probs_matrix
from bigram_tui.core.neural import TABLE, NeuralNgramModel, TrainingRun
from bigram_tui.core.persist import save_model
from bigram_tui.core.sampling import Sampler
from bigram_tui.tui.app import sample_history, sample_pane
from bigram_tui.tui.app.sample_history import NameHistory
from bigram_tui.tui.app.sample_pane import SamplePane
from bigram_tui.tui.cli import main as cli

from .helpers import run_on_pane, text_of, until

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia"]


def endless(weights: torch.Tensor) -> torch.Tensor:
    """Weights whose softmax gives '.' (index 0) exactly zero probability in every row."""
    endless_weights = weights.clone()
    endless_weights[:, 0] = -1e4  # exp(-1e4) underflows to 0.0 in float64
    return endless_weights


# --- a model that never ends a name -------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["classic", "torch"])
def test_core_cuts_endless_names_and_marks_them(algorithm: str) -> None:
    """Both paths stop at max_length, mark the name as cut, and agree with each other."""
    counts = NgramCounts.from_words(WORDS, 2)
    run = TrainingRun(counts, seed=3)
    model = NeuralNgramModel(TABLE, counts.vocab, 2, endless(run.weights), counts.contexts)
    assert float(probs_matrix(model)[:, 0].max()) == 0.0
    names = sample_names(model, 5, algorithm=algorithm, seed=0, max_length=12)
    assert all(name.cut and len(name.text) == 12 for name in names)
    sampler = Sampler(model, algorithm=algorithm, seed=0, max_length=12)
    assert [sampler.finish_name()[1] for _ in range(5)] == names


def test_cli_marks_endless_names_as_cut(capsys, tmp_path: Path) -> None:
    """`sample --load` of an endless model ends every name with '…' and cut: true."""
    data = tmp_path / "words.txt"
    data.write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    run = TrainingRun(NgramCounts.from_words(WORDS, 2), seed=3)
    run.weights = endless(run.weights)
    model = tmp_path / "endless.pt"
    save_model(model, run)
    argv = ["sample", "--data", str(data), "--load", str(model), "-n", "4", "--max-length", "9"]
    assert cli.main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(line.endswith("…") and len(line) == 10 for line in lines)
    assert cli.main([*argv, "--json"]) == 0
    names = json.loads(capsys.readouterr().out)["names"]
    assert all(name["cut"] and len(name["name"]) == 9 for name in names)


def test_app_marks_endless_names_as_cut(names_path: Path) -> None:
    """In the Sample pane, the neural model with '.' impossible gives cut names, marked."""

    async def scenario(app, pilot, pane: SamplePane):
        app.session.run().weights = endless(app.session.run().weights)
        await pilot.press("m", "m")  # counts → smoothed → neural
        assert pane.model_kind == "neural"
        await pilot.press("f")
        assert pane.last_finished is not None and pane.last_finished.cut
        assert len(pane.last_finished.text) == DEFAULT_MAX_LENGTH
        assert "cut at the maximum length" in text_of(app, "#sample-name")
        history = app.query_one("#sample-history", RichLog)
        assert "…(cut)" in history.lines[-1].text

    run_on_pane(names_path, "4", scenario)


# --- the uniform model ---------------------------------------------------------------------------


def test_uniform_model_samples_every_character(name_counts) -> None:
    """Under the uniform model every token is equally likely, '.' included."""
    model = UniformModel(name_counts.vocab)
    names = sample_names(model, 3000, seed=5)
    lengths = [len(name.text) for name in names]
    assert not any(name.cut for name in names)
    # Geometric with p = 1/27: mean length 26.
    assert 24 < sum(lengths) / len(lengths) < 28
    assert {ch for name in names for ch in name.text} == set(name_counts.vocab.chars)


def test_app_uniform_model(names_path: Path) -> None:
    """The Sample pane reaches the uniform model and draws from a flat row."""

    async def scenario(app, pilot, pane: SamplePane):
        await pilot.press("m", "m", "m", "space")
        assert pane.model_kind == "uniform"
        assert pane.last_draw is not None
        assert torch.allclose(pane.last_draw.probs, torch.full((27,), 1 / 27, dtype=torch.float64))
        await pilot.press("t", "f")  # the torch race on a flat row
        assert pane.last_finished is not None

    run_on_pane(names_path, "4", scenario)


# --- seeds ----------------------------------------------------------------------------------------


GOOD_SEEDS = [("0", 0), ("18446744073709551615", 2**64 - 1), (" +1000 ", 1000)]
# What core.params says, for the CLI's --seed as for this field.
BAD_SEEDS = [
    ("-1", "seed: must be between 0 and 2**64-1, got -1"),
    ("18446744073709551616", "seed: must be between 0 and 2**64-1"),
    (str(10**30), "seed: must be between 0 and 2**64-1"),
    ("abc", "seed: expected a whole number, got 'abc'"),
    ("", "seed: expected a whole number, got ''"),
    ("1.5", "seed: expected a whole number, got '1.5'"),
    ("1_000", "seed: expected a whole number, got '1_000'"),
]


def test_app_seed_field(names_path: Path) -> None:
    """Bad seeds keep the field open with the reason; good ones reset the generator."""

    async def scenario(app, pilot, pane: SamplePane):
        before = pane.sampler.seed
        await pilot.press("s")
        field = app.query_one("#sample-seed-input", Input)
        for text, why in BAD_SEEDS:
            field.value = text
            await pilot.press("enter")
            assert why in text_of(app, "#sample-seed-reason"), text
            assert pane.has_class("-editing-seed") and app.focused is field
            assert pane.sampler.seed == before
        await pilot.press("escape")
        assert pane.sampler.seed == before and not pane.has_class("-editing-seed")
        for text, seed in GOOD_SEEDS:
            await pilot.press("s")
            field.value = text
            await pilot.press("enter", "f")
            assert pane.sampler.seed == seed, text
            assert not pane.has_class("-editing-seed")
            assert pane.last_finished == sample_names(pane.sampler.model, 1, seed=seed)[0]

    run_on_pane(names_path, "4", scenario)


# --- long auto-runs ------------------------------------------------------------------------------


@pytest.mark.parametrize("total", [600, pytest.param(5000, marks=pytest.mark.slow)])
def test_auto_run_keeps_memory_bounded_and_the_history_scrolls(
    names_path, monkeypatch, total: int
) -> None:
    """Many draws: the kept names stay at the limit and the newest is in view."""
    monkeypatch.setattr(sample_pane, "AUTO_SECONDS", 0.001)
    monkeypatch.setattr(sample_history, "HISTORY_LIMIT", 40)

    async def scenario(app, pilot, pane: SamplePane):
        draws = 0
        original = pane.sampler.step

        def counting_step():
            nonlocal draws
            draws += 1
            return original()

        pane.sampler.step = counting_step
        await pilot.press("a")
        assert pane.auto_running
        await until(pilot, lambda: draws >= total, timeout=total / 10)
        await pilot.press("a")
        assert not pane.auto_running
        stopped_at = draws
        await asyncio.sleep(0.1)
        assert draws == stopped_at
        assert pane.query_one(NameHistory).count > 50
        assert len(pane.sampler.history) <= 40
        history = app.query_one("#sample-history", RichLog)
        assert len(history.lines) <= 40
        await pilot.pause()
        assert history.max_scroll_y > 0 and history.scroll_y == history.max_scroll_y
        assert history.lines[-1].text.lstrip().startswith(str(pane.query_one(NameHistory).count))

    run_on_pane(names_path, "4", scenario, size=(100, 24))
