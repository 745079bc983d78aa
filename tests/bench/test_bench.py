"""Smoke test of the bench: the notebook's loops and the core's fast paths agree on a tiny corpus.

No timing here: benchmarks measure (`python -m tests.bench`), tests check.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from bigram_tui.core.batch_sampling import sample_names
from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.data import iter_word_chunks
from bigram_tui.core.model import NgramModel
from bigram_tui.core.neural import TrainingRun
from bigram_tui.core.notebook import bigram_matrix
from bigram_tui.core.sampling import Sampler
from bigram_tui.core.scoring import score_counts
from tests.bench import ngram_figures, reference
from tests.bench.fresh_process import run_child, worst_growth_mib
from tests.bench.results import alternate, percentile, speedup
from tests.bench.wordlist import write_word_list

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "ab"]


@pytest.fixture(scope="module")
def notebook() -> reference.NotebookCounts:
    return reference.count_bigrams(WORDS)


def test_counts_agree(notebook: reference.NotebookCounts) -> None:
    ours = NgramCounts.from_words(WORDS, 2)
    assert ours.vocab.stoi == notebook.string_to_integer
    assert torch.equal(notebook.co_occurrence_matrix.long(), bigram_matrix(ours))


def test_nll_agrees(notebook: reference.NotebookCounts) -> None:
    probability_matrix = reference.probability_matrix_of(notebook.co_occurrence_matrix)
    nll, n = reference.dataset_nll(WORDS, probability_matrix, notebook.string_to_integer)
    counts = NgramCounts.from_words(WORDS, 2)
    ours = score_counts(NgramModel(counts), counts)
    assert n == ours.examples
    assert nll / n == pytest.approx(ours.mean_nll, abs=1e-5)


def test_training_losses_agree_every_epoch(notebook: reference.NotebookCounts) -> None:
    one_hot = reference.OneHotTraining(WORDS, notebook.string_to_integer)
    run = TrainingRun(NgramCounts.from_words(WORDS, 2))
    for _ in range(5):
        assert one_hot.epoch() == pytest.approx(run.step().loss, abs=1e-4)


def test_sampled_names_identical(notebook: reference.NotebookCounts) -> None:
    model = NgramModel(NgramCounts.from_words(WORDS, 2))
    batch = [name.text for name in sample_names(model, 50, algorithm="torch")]
    sampler = Sampler(model, algorithm="torch")
    assert batch == [sampler.finish_name()[1].text for _ in range(50)]
    # The batch path with torch's algorithm is the notebook's torch.multinomial loop.
    looped = reference.sample_names(notebook.co_occurrence_matrix, notebook.integer_to_string, 50)
    assert batch == looped


def test_generated_word_list_counts_consistently(tmp_path, names_path) -> None:
    path = tmp_path / "words.txt"
    words = write_word_list(path, names_path, size=20_000)
    counts = NgramCounts.from_word_chunks(iter_word_chunks(path, chunk_bytes=4096), 2)
    assert counts.words == words
    assert counts.total == path.stat().st_size  # len(word) + 1 bigrams per line


def test_statistics_helpers() -> None:
    assert percentile([float(i) for i in range(1, 21)], 90) == 18.0
    assert percentile([5.0], 90) == 5.0
    assert speedup(2.0, 0.5) == 4.0


def test_alternate_takes_turns_and_keeps_the_last_reference_result() -> None:
    calls: list[str] = []

    def reference_call() -> int:
        calls.append("reference")
        return len(calls)

    timing = alternate(3, reference_call, lambda: calls.append("ours"), budget=0.0)
    assert len(timing.reference_times) == len(timing.our_times) == 3
    assert calls[0] == "reference" and calls.count("reference") == 3
    assert calls[calls.index("reference", 1) - 1] == "ours"  # ours ran between the two
    assert timing.reference_result == len(calls) - 3  # the third call, before three of ours
    assert timing.ratio == speedup(timing.reference, timing.ours)


def test_a_fresh_process_reports_its_memory() -> None:
    child = run_child(
        'print(json.dumps({"rss_before_kib": status("VmRSS"), "hwm_after_kib": status("VmHWM"), '
        '"reset": reset_peak(), "argv": sys.argv[1:]}))',
        "a",
        2,
    )
    assert child["argv"] == ["a", "2"] and isinstance(child["reset"], bool)
    assert child["hwm_after_kib"] >= child["rss_before_kib"] > 0
    runs = [
        {"rss_before_kib": 1024, "hwm_after_kib": 3072},
        {"rss_before_kib": 0, "hwm_after_kib": 1024},
    ]
    assert worst_growth_mib(runs) == 2.0


def test_bare_app_shows_what_the_key_cycle_waits_for() -> None:
    """The bench's reference app answers 1, l, h, 3 with the texts the key cycle looks for."""
    import asyncio
    import string

    from textual.widgets import Static

    from tests.bench.app_figures import CELL, COUNTS_MARKER, TRAIN_MARKER
    from tests.bench.bare_app import BareApp

    async def main() -> list[str]:
        app = BareApp("." + string.ascii_lowercase)
        shown = []
        async with app.run_test(size=(120, 40)) as pilot:
            for key in ("3", "1", "l", "l", "h", "3"):
                await pilot.press(key)
                shown.append(str(app.query_one("#body", Static).visual))
        return shown

    shown = asyncio.run(main())
    assert TRAIN_MARKER in shown[0] and TRAIN_MARKER in shown[-1]
    assert COUNTS_MARKER in shown[1]
    cells = [CELL.search(text) for text in shown[1:5]]
    assert [m[1] if m else None for m in cells] == ["a", "b", "c", "b"]


@pytest.fixture(scope="module")
def tiny_word_list(tmp_path_factory, names_path) -> Path:
    """names.txt's first 300 words: enough for an 80/10/10 split with no empty part."""
    path = tmp_path_factory.mktemp("bench") / "tiny.txt"
    path.write_text("\n".join(names_path.read_text().split()[:300]) + "\n")
    return path


@pytest.mark.parametrize("name", sorted(ngram_figures.FIGURES))
def test_ngram_figures_run_quick_on_a_tiny_word_list(name, tiny_word_list, tmp_path) -> None:
    settings = ngram_figures.Settings(
        data=tiny_word_list, quick=True, workdir=tmp_path, big_file_bytes=20_000
    )
    rows = ngram_figures.FIGURES[name](settings)
    assert rows
    for row in rows:
        # A measured figure says whether it met its goal; only a missing screen may say n/a.
        assert row.ours not in ("error", ""), row
        assert row.met in ("yes", "no") or row.ours == "not measured", row
        assert row.notes


def test_ngram_names_are_selectable() -> None:
    from tests.bench.__main__ import NGRAM_NAMES, selected

    assert selected("ngram") == list(NGRAM_NAMES) == list(ngram_figures.FIGURES)
    assert selected("ngram-ksweep,counts") == ["ngram-ksweep", "counts"]


def test_classroom_row_reports_the_largest_n_within_the_limit() -> None:
    from tests.bench import classroom_figure as classroom
    from tests.bench.__main__ import SERVE_NAMES, selected

    assert selected("serve") == list(SERVE_NAMES) == list(classroom.FIGURES)

    def step(n: int, p90: float) -> classroom.Step:
        return classroom.Step(
            sessions=n, trainers=n // 4, p90=p90, p50=p90 / 2, trainer_p90=None, presses=24 * n,
            lost=0, ready_median=2.0, rss_kib=n * 290 * 1024, pss_kib=n * 210 * 1024,
            private_kib=n * 190 * 1024, server_rss_kib=40 * 1024, available_kib=20 * 1024**2,
        )  # fmt: skip

    settings = classroom.Settings(Path("names.txt"), True, "3 words · ", (".", "a", "b"))
    row = classroom._row([step(1, 0.02), step(2, 0.05), step(4, 0.2)], "stopped", settings)
    assert row.met == "yes" and row.ours.startswith("N = 2 (p90 50.0 ms), 290 MiB RSS/session")
    assert row.notes and "N=4 (1 training)" in row.notes[1]
    none = classroom._row([step(1, 0.2)], "stopped", settings)
    assert none.met == "no" and none.ours.startswith("none")
