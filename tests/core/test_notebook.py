"""Every number printed by the lecture notebook (seed/01_bigram_notebook.txt), out of core.

The notebook computes in float32; core computes probabilities, losses and weights in
float64. Values the notebook prints to 4 decimals are compared after rounding, longer
ones with a tolerance that covers float32 rounding.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from bigram_tui.core.batch_sampling import sample_names
from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.model import NgramModel, UniformModel
from bigram_tui.core.neural import TABLE, NeuralNgramModel, TrainingRun, initial_weights
from bigram_tui.core.notebook import (
    PerExampleTrainer,
    bigram_matrix,
    count_table,
    most_common_bigrams,
    notebook_log_likelihood,
    training_examples,
    walkthrough,
)
from bigram_tui.core.rng import DEFAULT_SEED
from bigram_tui.core.scoring import score_counts, score_word

NOTEBOOK_SEED = 2147483647

# In[7], the part of the sorted list the notebook shows (it is cut after ('j', 'a')).
IN7_MOST_COMMON = [
    ("n", "<E>", 6763),
    ("a", "<E>", 6640),
    ("a", "n", 5438),
    ("<S>", "a", 4410),
    ("e", "<E>", 3983),
    ("a", "r", 3264),
    ("e", "l", 3248),
    ("r", "i", 3033),
    ("n", "a", 2977),
    ("<S>", "k", 2963),
    ("l", "e", 2921),
    ("e", "n", 2675),
    ("l", "a", 2623),
    ("m", "a", 2590),
    ("<S>", "m", 2538),
    ("a", "l", 2528),
    ("i", "<E>", 2489),
    ("l", "i", 2480),
    ("i", "a", 2445),
    ("<S>", "j", 2422),
    ("o", "n", 2411),
    ("h", "<E>", 2409),
    ("r", "a", 2356),
    ("a", "h", 2332),
    ("h", "a", 2244),
    ("y", "a", 2143),
    ("i", "n", 2126),
    ("<S>", "s", 2055),
    ("a", "y", 2050),
    ("y", "<E>", 2007),
    ("e", "r", 1958),
    ("n", "n", 1906),
    ("y", "n", 1826),
    ("k", "a", 1731),
    ("n", "i", 1725),
    ("r", "e", 1697),
    ("<S>", "d", 1690),
    ("i", "e", 1653),
    ("a", "i", 1650),
    ("<S>", "r", 1639),
    ("a", "m", 1634),
    ("l", "y", 1588),
    ("<S>", "l", 1572),
    ("<S>", "c", 1542),
    ("<S>", "e", 1531),
    ("j", "a", 1473),
]

# In[15]: p(second | first) for the bigrams of emma, olivia, ava.
IN15_PROBABILITIES = [
    (".", "e", 0.0478),
    ("e", "m", 0.0377),
    ("m", "m", 0.0253),
    ("m", "a", 0.3899),
    ("a", ".", 0.1960),
    (".", "o", 0.0123),
    ("o", "l", 0.0780),
    ("l", "i", 0.1777),
    ("i", "v", 0.0152),
    ("v", "i", 0.3541),
    ("i", "a", 0.1381),
    ("a", ".", 0.1960),
    (".", "a", 0.1377),
    ("a", "v", 0.0246),
    ("v", "a", 0.2495),
    ("a", ".", 0.1960),
]

# In[17] (counts, k=0) and In[19] (counts + 1): log p of each bigram of "andrejq".
IN17_ANDREJQ = [-1.9829, -1.8296, -3.2594, -2.5620, -2.0127, -5.9171, -math.inf, -2.2736]
IN19_ANDREJQ = [-1.9835, -1.8302, -3.2594, -2.5646, -2.0143, -5.9004, -7.9817, -2.3331]

# In[22]: the output row of the untrained net for example 1 ('.e') and example 2 ('em').
IN22_PROBS_EXAMPLE_1 = [
    0.0607, 0.0100, 0.0123, 0.0042, 0.0168, 0.0123, 0.0027, 0.0232, 0.0137,
    0.0313, 0.0079, 0.0278, 0.0091, 0.0082, 0.0500, 0.2378, 0.0603, 0.0025,
    0.0249, 0.0055, 0.0339, 0.0109, 0.0029, 0.0198, 0.0118, 0.1537, 0.1459,
]  # fmt: skip
IN22_PROBS_EXAMPLE_2 = [
    0.0290, 0.0796, 0.0248, 0.0521, 0.1989, 0.0289, 0.0094, 0.0335, 0.0097,
    0.0301, 0.0702, 0.0228, 0.0115, 0.0181, 0.0108, 0.0315, 0.0291, 0.0045,
    0.0916, 0.0215, 0.0486, 0.0300, 0.0501, 0.0027, 0.0118, 0.0022, 0.0472,
]  # fmt: skip

# In[24]: the losses the training loop prints (the visible part, in float32).
IN24_LOSSES = [
    3.758953332901001, 3.371100664138794, 3.154043197631836, 3.020373821258545,
    2.927711248397827, 2.8604021072387695, 2.8097290992736816, 2.7701022624969482,
    2.7380728721618652, 2.711496591567993, 2.6890032291412354, 2.6696884632110596,
    2.65293025970459, 2.638277292251587, 2.6253881454467773, 2.613990545272827,
    2.60386323928833, 2.5948216915130615, 2.5867116451263428, 2.579403877258301,
    2.572789192199707, 2.5667760372161865, 2.5612881183624268, 2.5562589168548584,
    2.551633596420288, 2.547365665435791, 2.5434155464172363, 2.5397486686706543,
    2.5363364219665527, 2.5331544876098633, 2.5301806926727295, 2.5273966789245605,
    2.5247862339019775, 2.522334575653076, 2.520029067993164, 2.517857789993286,
    2.515810489654541, 2.513878345489502, 2.512051820755005, 2.510324001312256,
    2.5086867809295654, 2.5071349143981934, 2.5056610107421875, 2.5042612552642822,
    2.5029289722442627, 2.5016608238220215, 2.5004520416259766, 2.4992988109588623,
    2.498197317123413, 2.497144937515259, 2.496137857437134, 2.495173215866089,
    2.4942493438720703, 2.49336314201355,
]  # fmt: skip

IN12_COUNT_NAMES = [
    "mor",
    "axx",
    "minaymoryles",
    "kondlaisah",
    "anchshizarie",
    "odaren",
    "iaddash",
    "h",
    "jhinatien",
    "egushl",
    "h",
    "br",
    "a",
    "jayn",
    "ilemannariaenien",
    "be",
    "f",
    "akiinela",
    "trttanakeroruceyaaxatona",
    "lamoynayrkiedengin",
]

IN13_UNIFORM_NAMES = [
    "qvsaayxbqrqmyqwuznivanukotdjvdhd",
    "qnoymtzduqkatdetkpfjdgigvlejfkrsqlwnirghhzwlu",
    "idcx",
    "cekmzucjnjoeovjvrggqrjr",
    "cfbhabkslpokc",
    "xtxwbpmknuusxdgzfexhwqpldpdnwzvkyxsqjforqqpfxstwkfoufhvwfhmsuyyotvcvvqpfcbydjcouhkajkhqnnpqmmllaordqy",
    "gszpw",
    "zlgijinangzzuulsyvqrufuawavsdbnwvlmrypvgrsfgpshgnmwafqmsjdvbhngvoiigxhkwdltrdkwnagzyknqv",
    "lfstdqigvncdoidetsukgdp",
    "cfpjsxeqjcsmjwguzes",
    "woflfjxflylgbegpjdpovdtw",
    "dlzysqtrbhxhcdneiuum",
    "xtyslfbmaboaanyjpojuujflcsaucqcgtjmlzqtbaisvxrtgupkppigxudejdzsroqeigovuxmvt",
    "jlxfolkozci",
    "tkhdivkdifaxcevlpktkwwvuxlymtwylgpzauwdvxfvbooflddphmjeomjgjcqeqwt",
    "",
    "wlxclcjbm",
    "quuyijtnzmycshclormjyrerqslomdrlbuwqnlmitbrmqhtbdwbyvlsmwnborwcdhjotezwnsxuvffvinrmedelubhdfgtavxqfgmnyqrygyevxaapbjtnwfnwewqxerdytttvfo",
    "iauarz",
    "tynoqkyp",
]

IN25_NEURAL_NAMES = ["mor", "axx", "minaymoryles", "kondlaisah", "anchshizarie"]


def untrained_net(counts: NgramCounts) -> NeuralNgramModel:
    """In[21]: the lecture's W = randn(27, 27) from its seed, as the bigram net."""
    weights = initial_weights(27, 27, NOTEBOOK_SEED).double()
    return NeuralNgramModel(TABLE, counts.vocab, 2, weights, torch.arange(27))


@pytest.fixture(scope="module")
def trained_run(name_counts: NgramCounts) -> TrainingRun:
    """The notebook's In[23]–In[24]: 500 epochs at lr 50 from the lecture's seed."""
    run = TrainingRun(name_counts, seed=NOTEBOOK_SEED, lr=50.0, reg=0.0)
    run.run(500)
    return run


# --- In[2]–In[5]: the words -------------------------------------------------------------


def test_in2_first_words_through_core_reader(names_path, names):
    """In[2]: the first ten words, read by core's word-list reader."""
    data = pytest.importorskip("bigram_tui.core.data")
    words = data.read_words(names_path)
    assert words == names
    assert words[:10] == [
        "emma",
        "olivia",
        "ava",
        "isabella",
        "sophia",
        "charlotte",
        "mia",
        "amelia",
        "harper",
        "evelyn",
    ]


def test_in3_to_in5_word_count_and_lengths(name_counts):
    """In[3]–In[5]: 32,033 words, shortest 2, longest 15."""
    assert name_counts.words == 32033
    assert name_counts.min_length == 2
    assert name_counts.max_length == 15


# --- In[6]–In[11]: counting ----------------------------------------------------------------


def test_in7_top_counts_and_total(name_counts):
    """In[7]: the four largest counts, and In[23]'s 228,146 bigrams in total."""
    assert name_counts.count(("n", ".")) == 6763
    assert name_counts.count(("a", ".")) == 6640
    assert name_counts.count(("a", "n")) == 5438
    assert name_counts.count((".", "a")) == 4410
    assert name_counts.total == 228146


def test_in7_most_common_as_printed(name_counts):
    """In[7]: the visible part of the sorted list, with <S>/<E> labels, in the same order."""
    assert most_common_bigrams(name_counts, len(IN7_MOST_COMMON)) == IN7_MOST_COMMON


def test_in7_most_common_matches_notebook_dict_count(names, name_counts):
    """In[6]–In[7]: every (bigram, count) of the notebook's dict loop, and nothing else."""
    counter: dict[tuple[str, str], int] = {}
    for word in names:
        tokens = ["<S>", *word, "<E>"]
        for pair in itertools.pairwise(tokens):
            counter[pair] = counter.get(pair, 0) + 1
    core = most_common_bigrams(name_counts)
    assert {(a, b): n for a, b, n in core} == counter
    # Python's sort is stable, so the notebook's list keeps the dict's order among ties.
    notebook = sorted(counter.items(), key=lambda kv: -kv[1])
    assert [((a, b), n) for a, b, n in core] == notebook


def test_in8_start_end_layout(name_counts):
    """In[8]–In[9]: 28×28 with <S> at 26 and <E> at 27; last row and penultimate column zero."""
    table = count_table(name_counts, "start_end")
    assert table.counts.shape == (28, 28)
    assert table.labels[:26] == tuple("abcdefghijklmnopqrstuvwxyz")
    assert table.labels[26:] == ("<S>", "<E>")
    assert int(table.counts[-1].abs().sum()) == 0  # nothing follows <E>
    assert int(table.counts[:, -2].abs().sum()) == 0  # nothing precedes <S>
    assert int(table.counts[26, 0]) == 4410  # <S>a
    assert int(table.counts[13, 27]) == 6763  # n<E>
    assert int(table.counts.sum()) == 228146


def test_in10_dot_layout(name_counts):
    """In[10]–In[11]: 27×27 with '.' first; '..' never happens (no empty words)."""
    table = count_table(name_counts, "dot")
    assert table.counts.shape == (27, 27)
    assert table.labels == (".", *"abcdefghijklmnopqrstuvwxyz")
    assert name_counts.count((".", ".")) == 0
    assert int(table.counts[0, 0]) == 0
    # The note under In[12]: each character starts as many bigrams as it ends.
    assert torch.equal(table.counts.sum(dim=0), table.counts.sum(dim=1))


# --- In[12]–In[13]: sampling -------------------------------------------------------------


def test_in12_count_model_names(name_counts):
    """In[12]: the 20 names of the counts model, classic sampler, seed 2147483647."""
    model = NgramModel(name_counts)
    names = sample_names(model, 20, algorithm="classic", seed=NOTEBOOK_SEED)
    assert [n.text for n in names] == IN12_COUNT_NAMES
    assert not any(n.cut for n in names)


def test_in13_uniform_names(name_counts):
    """In[13]: the 20 names of the uniform model (the 16th is empty), same seed."""
    model = UniformModel(name_counts.vocab, 2)
    names = sample_names(model, 20, algorithm="classic", seed=NOTEBOOK_SEED)
    assert [n.text for n in names] == IN13_UNIFORM_NAMES


def test_default_seed_is_the_lectures():
    """In[12]: the lecture seeds every generator with 2147483647."""
    assert DEFAULT_SEED == NOTEBOOK_SEED


# --- In[14]–In[19]: likelihood ---------------------------------------------------------------


def test_in15_first_three_words_probabilities(name_counts):
    """In[15]: p(second | first) for every bigram of emma, olivia, ava, to 4 decimals."""
    model = NgramModel(name_counts)
    got = [
        (s.context[0], s.next, round(s.prob, 4))
        for word in ("emma", "olivia", "ava")
        for s in score_word(model, word).steps
    ]
    assert got == IN15_PROBABILITIES


def test_in16_dataset_mean_nll(name_counts):
    """In[16]: nll / n = 2.4541 over n = 228,146 bigrams (2.454014489 in float64)."""
    score = score_counts(NgramModel(name_counts), name_counts)
    assert score.examples == 228146
    # The notebook's 2.4541 comes from a float32 running sum (see the next test); the
    # float64 value 2.45401 is within the printed precision of it.
    assert abs(score.mean_nll - 2.4541) < 1e-4
    assert abs(score.mean_nll - 2.454014489) < 1e-9
    assert score.nll == -score.log_likelihood


def test_in16_dataset_log_likelihood(name_counts):
    """In[16]: log_likelihood = -559891.75 in float32; float64 gives -559873.5896."""
    score = score_counts(NgramModel(name_counts), name_counts)
    assert score.log_likelihood == pytest.approx(-559873.5896, abs=1e-3)
    # The notebook's float32 running sum drifted by ~18 out of 560k.
    assert score.log_likelihood == pytest.approx(-559891.75, rel=1e-4)


def test_in16_float32_running_sum_reproduces_notebook(names, name_counts):
    """In[16]: core's bigrams, summed one by one in float32 as the loop does, give -559891.75."""
    xs, ys = training_examples(names, name_counts.vocab)
    counts = bigram_matrix(name_counts).int()
    probs32 = counts / counts.sum(dim=1, keepdim=True)
    log_probs32 = probs32[xs, ys].log().numpy()
    running = np.cumsum(log_probs32, dtype=np.float32)
    assert float(running[-1]) == -559891.75
    assert round(float(-running[-1] / np.float32(len(xs))), 4) == 2.4541
    # core.notebook's replay of the same loop, over chunks of the word list.
    chunks = [names[i : i + 1000] for i in range(0, len(names), 1000)]
    assert notebook_log_likelihood(chunks, name_counts) == -559891.75


def test_in16_dataset_score_equals_sum_over_words(names, name_counts):
    """In[16]: the count shortcut equals the notebook's loop over every word."""
    model = NgramModel(name_counts)
    per_word = math.fsum(score_word(model, w).log_likelihood for w in names)
    score = score_counts(model, name_counts)
    assert score.log_likelihood == pytest.approx(per_word, rel=1e-12)
    assert sum(len(score_word(model, w).steps) for w in names[:100]) == sum(
        len(w) + 1 for w in names[:100]
    )


def test_in17_andrejq_unsmoothed(name_counts):
    """In[17]: per-bigram log p of andrejq at k=0; jq = -inf, so likelihood -inf, nll/n inf."""
    score = score_word(NgramModel(name_counts, k=0), "andrejq")
    pairs = ["".join(s.context) + s.next for s in score.steps]
    assert pairs == [".a", "an", "nd", "dr", "re", "ej", "jq", "q."]
    logs = [s.log_prob for s in score.steps]
    assert logs[6] == -math.inf
    assert score.steps[6].prob == 0.0
    assert [round(x, 4) for x in logs[:6] + logs[7:]] == IN17_ANDREJQ[:6] + IN17_ANDREJQ[7:]
    assert score.log_likelihood == -math.inf
    assert score.nll == math.inf
    assert score.mean_nll == math.inf


def test_in19_andrejq_add_one(name_counts):
    """In[18]–In[19]: with one fake count: the eight log-probs, likelihood -27.8672, 3.4834."""
    score = score_word(NgramModel(name_counts, k=1), "andrejq")
    assert [round(s.log_prob, 4) for s in score.steps] == IN19_ANDREJQ
    assert round(score.log_likelihood, 4) == -27.8672
    assert round(score.nll, 4) == 27.8672
    assert round(score.mean_nll, 4) == 3.4834


# --- In[20]–In[22]: the one-hot net -----------------------------------------------------------


def test_in20_and_in23_training_examples(names, name_counts):
    """In[20]: emma gives x = 0 5 13 13 1, y = 5 13 13 1 0; In[23]: 228,146 examples."""
    xs, ys = training_examples(names[:1], name_counts.vocab)
    assert xs.tolist() == [0, 5, 13, 13, 1]
    assert ys.tolist() == [5, 13, 13, 1, 0]
    xs, ys = training_examples(names, name_counts.vocab)
    assert len(xs) == len(ys) == 228146


def test_in22_walkthrough_emma_example_1(name_counts):
    """In[22] example 1: '.e' (indices 0, 5), p 0.012286253, log p -4.3992743."""
    model = untrained_net(name_counts)
    steps = walkthrough(model, "emma")
    assert len(steps) == 5
    first = steps[0]
    assert (first.context, first.next) == ((".",), "e")
    assert (first.inputs, first.label) == ((0,), 5)
    assert first.prob == pytest.approx(0.012286253273487091, abs=1e-5)
    assert first.log_prob == pytest.approx(-4.3992743492126465, abs=1e-5)
    assert first.nll == pytest.approx(4.3992743492126465, abs=1e-5)
    assert [round(p, 4) for p in first.probs[:3].tolist()] == [0.0607, 0.0100, 0.0123]
    assert first.probs.tolist() == pytest.approx(IN22_PROBS_EXAMPLE_1, abs=6e-5)


def test_in22_walkthrough_emma_example_2(name_counts):
    """In[22] example 2: 'em' (indices 5, 13) and its output row."""
    model = untrained_net(name_counts)
    second = walkthrough(model, "emma")[1]
    assert (second.context, second.next) == (("e",), "m")
    assert (second.inputs, second.label) == ((5,), 13)
    assert second.probs.tolist() == pytest.approx(IN22_PROBS_EXAMPLE_2, abs=6e-5)
    assert second.prob == pytest.approx(IN22_PROBS_EXAMPLE_2[13], abs=6e-5)


def test_in22_walkthrough_labels_and_pairs(name_counts):
    """In[22]: the five examples of emma in order, each scored on its own label."""
    model = untrained_net(name_counts)
    steps = walkthrough(model, "emma")
    assert ["".join(s.context) + s.next for s in steps] == [".e", "em", "mm", "ma", "a."]
    for step in steps:
        assert step.prob == float(step.probs[step.label])
        assert step.nll == -step.log_prob
        assert float(step.probs.sum()) == pytest.approx(1.0, abs=1e-12)


# --- In[24]–In[25]: training ---------------------------------------------------------------


def test_in24_first_ten_losses(trained_run):
    """In[24]: 3.7590 3.3711 3.1540 3.0204 2.9277 2.8604 2.8097 2.7701 2.7381 2.7115."""
    first_ten = trained_run.losses[:10]
    assert [round(x, 4) for x in first_ten] == [round(x, 4) for x in IN24_LOSSES[:10]]
    assert [round(x, 4) for x in first_ten] == [
        3.7590,
        3.3711,
        3.1540,
        3.0204,
        2.9277,
        2.8604,
        2.8097,
        2.7701,
        2.7381,
        2.7115,
    ]


def test_in24_visible_losses(trained_run):
    """In[24]: every visible printed loss, within float32 noise."""
    got = trained_run.losses[: len(IN24_LOSSES)]
    assert got == pytest.approx(IN24_LOSSES, abs=1e-4)


def test_in24_loss_after_500_epochs(trained_run, name_counts):
    """In[24]: 500 epochs end near 2.4570, just above the counts model's 2.4540."""
    assert trained_run.epoch == 500
    assert len(trained_run.losses) == 500
    assert trained_run.losses[-1] == pytest.approx(2.4570, abs=5e-4)
    floor = score_counts(NgramModel(name_counts), name_counts).mean_nll
    assert trained_run.losses[-1] > floor
    # Full-batch gradient descent at lr 50 decreases the loss every epoch here.
    assert all(b < a for a, b in itertools.pairwise(trained_run.losses))


def test_in25_neural_names(trained_run):
    """In[25]: the trained net samples mor, axx, minaymoryles, kondlaisah, anchshizarie."""
    names = sample_names(trained_run.model(), 5, algorithm="classic", seed=NOTEBOOK_SEED)
    assert [n.text for n in names] == IN25_NEURAL_NAMES


def test_in24_fast_path_matches_per_example_loop(names, name_counts):
    """In[24]: the count-based fast path equals the notebook's one-hot loop at every epoch."""
    fast = TrainingRun(name_counts, seed=NOTEBOOK_SEED, lr=50.0)
    slow = PerExampleTrainer(names, name_counts.vocab, seed=NOTEBOOK_SEED, lr=50.0)
    for epoch in range(50):
        fast_loss = fast.step().loss
        slow_loss = slow.step()
        assert fast_loss == pytest.approx(slow_loss, abs=1e-4), f"epoch {epoch}"
    assert float((fast.weights - slow.W.detach().double()).abs().max()) < 1e-3
    assert slow_loss == pytest.approx(IN24_LOSSES[49], abs=1e-4)
