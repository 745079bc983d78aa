"""core.session at order n: its split, counts, models, scores, nets, samplers and sweeps."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from bigram_tui.core.params import ParameterError
from bigram_tui.core.session import WHOLE, Session

from ..conftest import SMALL_WORDS

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
    scores = split_session.part_scores(split_session.ngram_model(k))
    for part, nll in expected.items():
        assert scores[part].mean_nll == pytest.approx(nll, abs=5e-5)
    if k == 0:
        assert scores["dev"].reasons() == {
            "context never seen": 5,
            "next token never seen after this context": 132,
        }


def test_models_are_cached_per_order_and_k(split_session):
    assert split_session.ngram_model(0.1) is split_session.ngram_model(0.1)
    assert split_session.ngram_model(0.1, order=3) is split_session.ngram_model(0.1)
    assert split_session.ngram_model(0.1, order=4).order == 4
    assert split_session.part_counts(4) is split_session.part_counts(4)
    with pytest.raises(ParameterError, match="order"):
        split_session.ngram_model(0, order=6)


def test_order_2_on_all_the_words_is_the_bigram(whole_session):
    model = whole_session.ngram_model(1.0)
    rows = model.next_probs(torch.arange(whole_session.vocab.size))
    assert torch.equal(rows, whole_session.model("counts", 1.0).probs)
    (score,) = whole_session.part_scores(whole_session.ngram_model()).values()
    assert score.mean_nll == pytest.approx(whole_session.dataset_score(0).mean_nll, abs=1e-12)
    assert list(whole_session.part_words()) == [WHOLE]
    ngram_names = [n.text for n in whole_session.sample_ngram(20)]
    assert ngram_names == [n.text for n in whole_session.sample(20)]


def test_sampler_step_by_step_equals_the_batch(split_session):
    shaping = {"temperature": 0.7, "top_k": 5, "seed": 3}
    sampler = split_session.ngram_sampler(**shaping)
    stepped = [sampler.finish_name()[1].text for _ in range(10)]
    assert stepped == [n.text for n in split_session.sample_ngram(10, **shaping)]
    with pytest.raises(ParameterError, match="temperature"):
        split_session.ngram_sampler(temperature=0)


def test_classify_against_the_split_or_the_whole_data(split_session, whole_session):
    train_word, dev_word = split_session.split.train[0], split_session.split.dev[0]
    assert split_session.classify([train_word, dev_word, "zzzzq"]) == ["train", "dev/test", "new"]
    assert whole_session.classify([dev_word, "zzzzq"]) == ["train", "new"]


def test_training_a_net_reports_the_dev_loss_of_the_weights_it_started_from(split_session):
    run = split_session.new_ngram_run("linear")
    seen = []
    split_session.train_ngram(3, lambda epoch, dev: seen.append((epoch.index, dev)), dev_every=2)
    assert [index for index, _ in seen] == [0, 1, 2] and seen[1][1] is None
    fresh = split_session.new_ngram_run("linear")
    dev = split_session.part_scores(fresh.model())["dev"].mean_nll
    assert seen[0][1] == pytest.approx(dev)
    assert run.parameters == 2 * 27 * 27 and run.epoch == 3
    assert split_session.next_token_model("neural").name == "neural-linear"


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
