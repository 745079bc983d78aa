"""core.session: the one headless object both front ends load, train, score and sample with,
at every order, with or without a split."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from bigram_tui.core.errors import ModelFileError, TrainingDiverged
from bigram_tui.core.model import probs_matrix
from bigram_tui.core.params import ParameterError
from bigram_tui.core.session import WHOLE, Session

from ..conftest import SMALL_WORDS


def test_load_counts_and_sets_up_training(data: Path) -> None:
    seen: list[int] = []
    session = Session.load(data, 3, progress=seen.append, lr=10, reg=0.5)
    assert session.words == len(SMALL_WORDS) and seen == [len(SMALL_WORDS)]
    run = session.run()
    assert (run.seed, run.lr, run.reg, session.seed) == (3, 10, 0.5, 3)
    assert session.notebook_log_likelihood is not None
    assert Session.load(data, notebook_sum=False).notebook_log_likelihood is None


def test_models_of_every_kind(data: Path) -> None:
    session = Session.load(data, notebook_sum=False)
    assert session.model("counts", 0).name == "counts"
    assert session.model("counts", 2) is session.model("counts", 2.0)  # cached per k
    assert session.model("smoothed").name == "counts+1"
    assert session.model("uniform").name == "uniform"
    assert session.model("neural").name == "neural-table"
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
    assert (saved.epoch, other.run().epoch, other.run().seed) == (4, 4, 1)
    assert probs_matrix(other.model("neural")).equal(probs_matrix(session.model("neural")))


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
    batch = session.sample(5, session.model("counts"), seed=7)
    sampler = session.sampler(session.model("counts"), seed=7)
    assert [sampler.finish_name()[1] for _ in range(5)] == batch
    with pytest.raises(ParameterError, match="name count"):
        session.sample(0)


SPLIT = (0.8, 0.1, 0.1)


@pytest.fixture(scope="module")
def split_session(names_path: Path) -> Session:
    return Session.load(names_path, notebook_sum=False, order=3, split=SPLIT)


@pytest.fixture(scope="module")
def whole_session(names_path: Path) -> Session:
    return Session.load(names_path, notebook_sum=False)


def test_the_split_is_the_lectures(split_session, name_split):
    assert split_session.part_words() == {"train": 25_626, "dev": 3_203, "test": 3_204}
    assert split_session.split.train == name_split.train
    assert split_session.train_counts() is split_session.part_counts()["train"]
    assert split_session.train_counts().total == 182_625


def test_split_seed_changes_the_shuffle(names_path, split_session):
    other = Session.load(names_path, notebook_sum=False, split=SPLIT, split_seed=1)
    assert other.split.sizes == split_session.split.sizes
    assert other.split.train != split_session.split.train


@pytest.mark.parametrize(
    ("k", "expected"),
    [(0.1, {"train": 2.1874, "dev": 2.2225, "test": 2.2240}), (0.0, {"train": 2.1827})],
)
def test_part_scores_at_order_3(split_session, k, expected):
    scores = split_session.part_scores(split_session.model("counts", k))
    for part, nll in expected.items():
        assert scores[part].mean_nll == pytest.approx(nll, abs=5e-5)
    if k == 0:
        assert scores["dev"].reasons() == {
            "context never seen": 5,
            "next token never seen after this context": 132,
        }


def test_models_are_cached_per_order_and_k(split_session):
    assert split_session.model("counts", 0.1) is split_session.model("counts", 0.1)
    assert split_session.model("counts", 0.1, order=3) is split_session.model("counts", 0.1)
    assert split_session.model("counts", 0.1, order=4).order == 4
    assert split_session.part_counts(4) is split_session.part_counts(4)
    with pytest.raises(ParameterError, match="order"):
        split_session.model("counts", 0, order=7)


def test_order_2_on_all_the_words_is_the_bigram(whole_session):
    model = whole_session.model("counts", 1.0)
    rows = model.next_probs(torch.arange(whole_session.vocab.size))
    assert torch.equal(rows, probs_matrix(whole_session.model("counts", 1.0, order=2)))
    (score,) = whole_session.part_scores(whole_session.model("counts")).values()
    assert score.mean_nll == pytest.approx(whole_session.dataset_score(0).mean_nll, abs=1e-12)
    assert list(whole_session.part_words()) == [WHOLE]
    assert [n.text for n in whole_session.sample(5)] == [
        "mor", "axx", "minaymoryles", "kondlaisah", "anchshizarie",
    ]  # fmt: skip


def test_sampler_step_by_step_equals_the_batch(split_session):
    shaping = {"temperature": 0.7, "top_k": 5, "seed": 3}
    sampler = split_session.sampler(**shaping)
    stepped = [sampler.finish_name()[1].text for _ in range(10)]
    assert stepped == [n.text for n in split_session.sample(10, **shaping)]
    with pytest.raises(ParameterError, match="temperature"):
        split_session.sampler(temperature=0)


def test_classify_against_the_split_or_the_whole_data(split_session, whole_session):
    train_word, dev_word = split_session.split.train[0], split_session.split.dev[0]
    assert split_session.classify([train_word, dev_word, "zzzzq"]) == ["train", "dev/test", "new"]
    assert whole_session.classify([dev_word, "zzzzq"]) == ["train", "new"]


def test_training_a_net_reports_the_dev_loss_of_the_weights_it_started_from(split_session):
    run = split_session.new_run("linear")
    seen = []
    split_session.train(3, lambda epoch: seen.append((epoch.index, epoch.dev_loss)), dev_every=2)
    assert [index for index, _ in seen] == [0, 1, 2] and seen[1][1] is None
    assert run.dev_losses == {0: seen[0][1], 2: seen[2][1]}
    fresh = split_session.new_run("linear")
    dev = split_session.part_scores(fresh.model())["dev"].mean_nll
    assert seen[0][1] == pytest.approx(dev)
    assert run.parameters == 2 * 27 * 27 and run.epoch == 3
    assert split_session.model("neural").name == "neural-linear"
    assert split_session.run() is fresh and split_session.run(2) is not fresh


def test_sweeps_need_a_split(data: Path, names_path):
    session = Session.load(data, notebook_sum=False)
    with pytest.raises(ParameterError, match="give a split"):
        session.k_sweep()
    sweep = Session.load(names_path, notebook_sum=False, split=SPLIT).k_sweep()
    assert sweep.ks[0] == 0 and len(sweep.ks) == 40
    assert sweep.test_nll is not None


def test_a_split_leaving_a_part_empty_is_refused(data: Path):
    assert len(SMALL_WORDS) == 7
    with pytest.raises(ParameterError, match="90/5/5 leaves dev empty for 7 words"):
        Session.load(data, notebook_sum=False, split=(0.9, 0.05, 0.05))
    session = Session.load(data, notebook_sum=False, split=(0.4, 0.3, 0.3), order=1)
    assert session.part_words() == {"train": 2, "dev": 2, "test": 3}


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
def test_the_unseen_counts_are_occurrences_and_distinct_ngrams(split_session, order):
    """One definition: occurrences (at k = 0 the examples at −inf) and distinct n-grams."""
    unseen = split_session.unseen(order)
    scores = split_session.part_scores(split_session.model("counts", 0, order))
    for part in ("dev", "test"):
        assert unseen[part].examples == scores[part].infinite
        assert unseen[part].context_examples == scores[part].unseen_context
        assert unseen[part].ngrams <= unseen[part].examples
        assert unseen[part].contexts <= unseen[part].ngrams
    if order == 3:
        assert unseen["dev"].examples == 137 and unseen["dev"].context_examples == 5
        assert unseen["dev"].describe("dev").startswith("137 dev examples (")


def test_nets_of_each_order_are_kept_apart_and_saved_at_their_order(split_session, tmp_path):
    three = split_session.new_run("table", 3)
    split_session.train(2, order=3)
    two = split_session.run(2)
    assert two is not three and two.order == 2 and three.epoch == 2
    path = split_session.save(tmp_path / "m3.pt", order=3)
    again = Session.load(split_session.data_path, notebook_sum=False, split=SPLIT)
    saved = again.restore(path)
    assert (saved.order, again.order, again.run(3).epoch) == (3, 3, 2)
    assert torch.equal(again.run(3).weights, three.weights)
    assert again.part_scores(again.model("neural"))["dev"].mean_nll == pytest.approx(
        split_session.part_scores(three.model())["dev"].mean_nll, abs=1e-12
    )
