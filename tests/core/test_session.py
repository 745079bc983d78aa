"""core.session: the one headless object both front ends load, train, score and sample with."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bigram_tui.core.neural import TrainingDiverged
from bigram_tui.core.params import ParameterError
from bigram_tui.core.persist import ModelFileError
from bigram_tui.core.session import Session

from ..conftest import SMALL_WORDS


def test_load_counts_and_sets_up_training(data: Path) -> None:
    seen: list[int] = []
    session = Session.load(data, 3, progress=seen.append, lr=10, reg=0.5)
    assert session.counts.words == len(SMALL_WORDS) and seen == [len(SMALL_WORDS)]
    assert (session.run.seed, session.run.lr, session.run.reg, session.seed) == (3, 10, 0.5, 3)
    assert session.notebook_log_likelihood is not None
    assert Session.load(data, notebook_sum=False).notebook_log_likelihood is None


def test_models_of_every_kind(data: Path) -> None:
    session = Session.load(data, notebook_sum=False)
    assert session.model("counts", 0).name == "counts"
    assert session.model("counts", 2) is session.model("counts", 2.0)  # cached per k
    assert session.model("smoothed").name == "counts+1"
    assert session.model("uniform").name == "uniform"
    assert session.model("neural").name == "neural"
    with pytest.raises(ParameterError, match="choose one of counts, smoothed, neural, uniform"):
        session.model("gpt")
    with pytest.raises(ParameterError, match="smoothing k"):
        session.model("counts", -1)


def test_train_then_save_then_restore(data: Path, tmp_path: Path) -> None:
    session = Session.load(data, 1, notebook_sum=False)
    epochs = []
    run = session.train(4, on_epoch=epochs.append)
    assert [e.index for e in epochs] == [0, 1, 2, 3] and run.epoch == 4
    target = session.save(tmp_path / "m.pt")
    other = Session.load(data, 9, notebook_sum=False)
    saved = other.restore(target)
    assert (saved.epoch, other.run.epoch, other.run.seed) == (4, 4, 1)
    assert other.model("neural").probs.equal(session.model("neural").probs)


def test_save_never_overwrites_the_data_file(data: Path) -> None:
    session = Session.load(data, notebook_sum=False)
    before = data.read_bytes()
    for check in (session.check_save_path, session.save):
        with pytest.raises(ModelFileError, match="the data file being read"):
            check(data)
    assert data.read_bytes() == before


def test_a_diverged_run_is_not_saved(data: Path, tmp_path: Path) -> None:
    session = Session.load(data, lr=1e200, notebook_sum=False)
    with pytest.raises(TrainingDiverged):
        session.train(1)
    with pytest.raises(TrainingDiverged):
        session.save(tmp_path / "m.pt")
    assert not (tmp_path / "m.pt").exists()


def test_scores_and_names(data: Path) -> None:
    session = Session.load(data, notebook_sum=False)
    (score,) = session.score_words(["ava"])
    assert math.isfinite(score.nll)
    batch = session.sample(5, "counts", seed=7)
    sampler = session.sampler("counts", seed=7)
    assert [sampler.finish_name()[1] for _ in range(5)] == batch
    with pytest.raises(ParameterError, match="name count"):
        session.sample(0)
