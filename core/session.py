"""The headless session both front ends use: the data, its counts and every model built on them.

One character model of order n (the lecture's bigram is n = 2) and an optional
train/dev/test split: fractions of one file, or three files given pre-split (NG's
train.txt, val.txt, test.txt). Each file is counted by the lecture's padding (the
default) or as NG's stream (`stream=True`, see core.stream). Models (add-k counts,
Kneser–Ney, nets) are fitted on train (all the words without a split); counts are
made once per order and per part for the whole process, and the nets, one per order, live
here too, so the net the Train pane trains is the net every other pane uses.

No Textual here, and no torch at import: the app imports this module before torch loads, so
every torch-using import is inside a method (`load` runs on the app's worker thread). The
result types are named under TYPE_CHECKING so that a front end can annotate with them
while importing from core only this module.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

# What the front ends need of core's torch-free modules, re-exported so that they import
# from core only this module, params, defaults, display and errors (tests/test_import_contract).
from .data import DataError, check_readable
from .dataset import DATA_ENV_VAR, DatasetUnavailable, dataset_label, resolve_dataset
from .defaults import DEFAULT_LR, DEFAULT_MAX_LENGTH, DEFAULT_REG, DEFAULT_SEED
from .files import WriteRefused, atomic_write
from .params import DEFAULT_ORDER, DEFAULT_SPLIT_SEED, MODEL_KINDS, check_epochs, check_order
from .params import KN_DISCOUNTS as DISCOUNTS
from .split import DEV_TEST, NEW, TRAIN
from .vocab import BOUNDARY, END_TOKEN, START_TOKEN

if TYPE_CHECKING:
    import torch

    from .convergence import Cancel
    from .counts import CountSlice, NgramCounts
    from .evaluation import Evaluation, OrderRow
    from .grid import Grid, GridCell
    from .kn_model import KneserNeyModel
    from .model import NextTokenModel
    from .neural import Epoch, TrainingRun
    from .notebook import CountTable, ExampleStep
    from .persist import SavedModel
    from .sampling import Draw, Rows, SampledName, Sampler
    from .scoring import DatasetScore, Unseen, WordScore
    from .split import WordSplit
    from .sweeps import KSweep, LambdaSweep
    from .vocab import Vocab

__all__ = [
    "BOUNDARY",
    "DATA_ENV_VAR",
    "DEV_TEST",
    "DISCOUNTS",
    "END_TOKEN",
    "MODEL_KINDS",
    "NEW",
    "NOTEBOOK_SUM_MAX_BYTES",
    "SMOOTHED_K",
    "START_TOKEN",
    "TRAIN",
    "WHOLE",
    "CountSlice",
    "CountTable",
    "DataError",
    "DatasetScore",
    "DatasetUnavailable",
    "Draw",
    "Epoch",
    "ExampleStep",
    "Grid",
    "GridCell",
    "KSweep",
    "KneserNeyModel",
    "LambdaSweep",
    "NextTokenModel",
    "OrderRow",
    "SampledName",
    "Sampler",
    "SavedModel",
    "Session",
    "TrainingRun",
    "Unseen",
    "Vocab",
    "WordScore",
    "WordSplit",
    "WriteRefused",
    "atomic_write",
    "check_readable",
    "dataset_label",
    "resolve_dataset",
]

NOTEBOOK_SUM_MAX_BYTES = 16 << 20  # the float32 replay reads the file twice; skip it for big files
SMOOTHED_K = 1.0  # the lecture's choice of fake count
WHOLE = "all"  # the one part there is without a split: all the words, the training data
_KEPT_ROWS = 8  # models whose sampling rows the session keeps


@dataclass
class Session:
    data_path: Path
    vocab: Vocab
    seed: int
    lr: float = DEFAULT_LR  # of the nets set up from now on
    reg: float = DEFAULT_REG
    notebook_log_likelihood: float | None = None  # In[16]'s float32 running sum, for comparison
    order: int = DEFAULT_ORDER  # what every method uses when it is given no order
    split: WordSplit | None = None  # None: every word is training data
    files: tuple[Path, Path, Path] | None = None  # train, dev and test given pre-split
    stream: bool = False  # NG's convention: each file one stream, nothing padded
    _texts: tuple[str, ...] | None = field(default=None, repr=False)  # the streams' text
    _counts: dict[int, NgramCounts] = field(default_factory=dict, repr=False)
    _part_counts: dict[int, dict[str, NgramCounts]] = field(default_factory=dict, repr=False)
    _models: dict[tuple[int, float], NextTokenModel] = field(default_factory=dict, repr=False)
    _runs: dict[int, TrainingRun] = field(default_factory=dict, repr=False)
    # Kneser–Ney per order and D (the tables are shared by every D of an order), and the
    # D chosen on dev per order.
    _kn_models: dict[tuple[int, float], KneserNeyModel] = field(default_factory=dict, repr=False)
    _kn_discounts: dict[int, float] = field(default_factory=dict, repr=False)
    # A model's rows for sampling, per shaping, made once: the last few models asked for.
    _rows: dict[tuple[int, float, int | None], Rows] = field(default_factory=dict, repr=False)
    _words: frozenset[str] | None = field(default=None, repr=False)
    _evaluation: Evaluation | None = field(default=None, repr=False)
    # The app's panes ask from their own worker threads: each thing is made once.
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @classmethod
    def load(
        cls,
        data_path: Path,
        seed: int = DEFAULT_SEED,
        progress: Callable[[int], None] | None = None,
        *,
        lr: float = DEFAULT_LR,
        reg: float = DEFAULT_REG,
        notebook_sum: bool = True,
        order: int = DEFAULT_ORDER,
        split: Sequence[float] | None = None,
        split_seed: int = DEFAULT_SPLIT_SEED,
        dev_path: Path | None = None,
        test_path: Path | None = None,
        stream: bool = False,
    ) -> Session:
        """Read and count the data (bigrams first: they fix the vocabulary), and keep `seed`,
        `lr` and `reg` for the nets.

        `progress(words)` is called after each chunk. `notebook_sum` replays the lecture's
        float32 sum (a second read of the file) for files up to NOTEBOOK_SUM_MAX_BYTES.
        `split` holds the train/dev/test fractions, shuffled from `split_seed`
        (ParameterError if a part would have no word). `dev_path` and `test_path`, both or
        neither and never with `split`, make `data_path` the training file of a pre-split
        set, the vocabulary from all three. `stream` reads each file as NG's stream.
        """
        from .counts import NgramCounts
        from .data import iter_word_chunks
        from .notebook import notebook_log_likelihood
        from .params import (
            check_lr,
            check_reg,
            check_seed,
            check_split,
            check_split_seed,
            check_split_sizes,
        )
        from .split import split_words

        order = check_order(order)
        seed, lr, reg = check_seed(seed), check_lr(lr), check_reg(reg)
        if dev_path is not None or test_path is not None:
            files = _check_files(data_path, dev_path, test_path, split)
            return cls._load_files(files, seed, lr, reg, order, stream, progress)
        fractions = None if split is None else check_split(tuple(split))
        split_seed = check_split_seed(split_seed)
        kept: list[str] = []  # the words, only when a split needs them all at once

        def chunks() -> Iterator[list[str]]:
            done = 0
            for chunk in iter_word_chunks(data_path):
                done += len(chunk)
                if fractions is not None:
                    kept.extend(chunk)
                if progress is not None:
                    progress(done)
                yield chunk

        # Streamed in chunks, so a huge word list never sits in memory as one list.
        bigrams = NgramCounts.from_word_chunks(chunks(), 2)
        notebook = None
        if notebook_sum and data_path.stat().st_size <= NOTEBOOK_SUM_MAX_BYTES:
            notebook = notebook_log_likelihood(iter_word_chunks(data_path), bigrams)
        word_split = None
        if fractions is not None:
            word_split = split_words(kept, fractions, split_seed)
            check_split_sizes(fractions, word_split.sizes)
        if stream:
            texts = (_stream_text(data_path, bigrams.vocab),)
            session = cls(data_path, bigrams.vocab, seed, lr, reg, None, order, word_split,
                          stream=True, _texts=texts)  # fmt: skip
            return session
        session = cls(data_path, bigrams.vocab, seed, lr, reg, notebook, order, word_split)
        session._counts[2] = bigrams
        return session

    @classmethod
    def _load_files(
        cls,
        files: tuple[Path, Path, Path],
        seed: int,
        lr: float,
        reg: float,
        order: int,
        stream: bool,
        progress: Callable[[int], None] | None,
    ) -> Session:
        from .data import read_words
        from .split import WordSplit
        from .vocab import Vocab

        parts = []
        for path in files:
            parts.append(tuple(read_words(path)))
            if progress is not None:
                progress(sum(map(len, parts)))
        # From all three files: dev and test then hold no character train lacks a token for.
        vocab = Vocab.from_words(word for part in parts for word in part)
        train, dev, test = parts
        word_split = WordSplit(vocab, train, dev, test)
        texts = tuple(_stream_text(path, vocab) for path in files) if stream else None
        return cls(files[0], vocab, seed, lr, reg, None, order, word_split,
                   files=files, stream=stream, _texts=texts)  # fmt: skip

    def notebook_sum(self) -> float | None:
        """In[16]'s float32 running sum of log P over every bigram, made on first use (None
        for a file over NOTEBOOK_SUM_MAX_BYTES): why the notebook prints 2.4541, not 2.4540."""
        from .data import iter_word_chunks
        from .notebook import notebook_log_likelihood

        with self._lock:
            if self.notebook_log_likelihood is None and (
                self.data_path.stat().st_size <= NOTEBOOK_SUM_MAX_BYTES
            ):
                chunks = iter_word_chunks(self.data_path)
                self.notebook_log_likelihood = notebook_log_likelihood(chunks, self.counts(2))
            return self.notebook_log_likelihood

    def _order(self, order: int | None) -> int:
        return self.order if order is None else check_order(order)

    # --- counts ---------------------------------------------------------------------------

    def counts(self, order: int | None = None) -> NgramCounts:
        """The n-grams of all the words (the split's parts together), counted once per order."""
        from .counts import NgramCounts

        order = self._order(order)
        if self.files is not None:
            return self.train_counts(order)  # the data is the training file
        with self._lock:
            if order not in self._counts:
                if self._texts is not None:
                    counted = NgramCounts.from_stream(self._texts[0], self.vocab, order)
                else:
                    counted = NgramCounts.from_path(self.data_path, order, self.vocab)
                self._counts[order] = counted
            return self._counts[order]

    @property
    def words(self) -> int:
        return self.counts(2).words

    def count_table(self, layout: str = "dot") -> CountTable:
        """The lecture's bigram matrix: '.' 27×27 ("dot") or <S>/<E> 28×28 ("start_end")."""
        from .notebook import count_table

        return count_table(self.counts(2), layout)

    def count_slice(self, prefix: Sequence[str] = (), order: int | None = None) -> CountSlice:
        """The V×V counts of the contexts that begin with `prefix` (n−3 tokens), on train."""
        return self.train_counts(order).count_slice(prefix)

    def most_common(
        self, n: int | None = None, order: int | None = None
    ) -> list[tuple[tuple[str, ...], int]]:
        """N-grams of all the words by count, ties in the order the data first shows them."""
        return self.counts(order).most_common(n)

    def most_common_bigrams(
        self, n: int | None = None, layout: str = "dot"
    ) -> list[tuple[str, str, int]]:
        """Bigrams by count as the notebook lays them out ('.' or <S>/<E>), as In[7] does."""
        from .notebook import most_common_bigrams

        return most_common_bigrams(self.counts(2), n, layout)

    # --- the split and its parts ---------------------------------------------------------

    def word_split(self) -> WordSplit:
        """The split the app evaluates on: the session's own, else the lectures' default
        split (core.split's SPLIT_FRACTIONS and SPLIT_SEED) of all the words."""
        return self.evaluation().split

    def evaluation(self) -> Evaluation:
        """`word_split` with its train, dev and test counts per order, each counted once."""
        from .evaluation import Evaluation

        with self._lock:
            if self._evaluation is None:
                from .evaluation import stream_texts

                split = self.split if self.split is not None else self._default_split()
                texts = None
                if self.stream and self.files is not None and self._texts is not None:
                    train, dev, test = self._texts  # each file as read, byte for byte
                    texts = (train, dev, test)
                elif self.stream:
                    texts = stream_texts(split)
                self._evaluation = Evaluation(split, texts)
            return self._evaluation

    def on_word_split(self) -> Session:
        """This session when it has a split, else a session of the same data whose models and
        nets are fitted on `word_split()`'s train part (nets record their dev loss). It
        shares this session's split and the split's counts, so nothing is counted twice."""
        if self.split is not None:
            return self
        return Session(
            self.data_path, self.vocab, self.seed, self.lr, self.reg, self.notebook_log_likelihood,
            self.order, self.word_split(), _evaluation=self.evaluation(),
        )  # fmt: skip

    def _default_split(self) -> WordSplit:
        from .data import read_words
        from .split import SPLIT_FRACTIONS, SPLIT_SEED, split_words

        return split_words(read_words(self.data_path), SPLIT_FRACTIONS, SPLIT_SEED)

    def part_counts(self, order: int | None = None) -> dict[str, NgramCounts]:
        """The counts of each part, by name: train, dev and test, or WHOLE without a split."""
        order = self._order(order)
        with self._lock:
            if order not in self._part_counts:
                if self.split is None:
                    self._part_counts[order] = {WHOLE: self.counts(order)}
                else:
                    train, dev, test = self.evaluation().counts(order)
                    self._part_counts[order] = {"train": train, "dev": dev, "test": test}
            return self._part_counts[order]

    def part_words(self) -> dict[str, int]:
        """How many words each part holds, by the names of `part_counts`."""
        if self.split is None:
            return {WHOLE: self.words}
        train, dev, test = self.split.sizes
        return {"train": train, "dev": dev, "test": test}

    def train_counts(self, order: int | None = None) -> NgramCounts:
        """What every model is fitted on: the split's train part, else all the words."""
        parts = self.part_counts(order)
        return parts[WHOLE] if self.split is None else parts["train"]

    def _dev_counts(self, order: int) -> NgramCounts | None:
        return None if self.split is None else self.part_counts(order)["dev"]

    def unseen(self, order: int | None = None) -> dict[str, Unseen]:
        """What each held-out part holds that train never shows (empty without a split)."""
        from .scoring import unseen_in

        if self.split is None:
            return {}
        parts = self.part_counts(order)
        return {name: unseen_in(parts["train"], parts[name]) for name in ("dev", "test")}

    # --- models ---------------------------------------------------------------------------

    def model(
        self,
        kind: str = "counts",
        k: float = 0.0,
        order: int | None = None,
        *,
        discount: float | None = None,
    ) -> NextTokenModel:
        """`kind` is one of MODEL_KINDS: the counts model at add-k `k`, "smoothed" (k = 1),
        "neural" (the order's net as it stands: trained, restored, or not yet), "uniform"
        or "kn", interpolated Kneser–Ney at `discount` (default `default_discount`)."""
        from .model import NgramModel, UniformModel
        from .params import check_model_kind, check_smoothing

        kind, order = check_model_kind(kind), self._order(order)
        if kind == "kn":
            return self.kn_model(discount, order)
        if kind == "neural":
            return self.run(order).model()
        if kind == "uniform":
            return UniformModel(self.vocab, order)
        k = SMOOTHED_K if kind == "smoothed" else check_smoothing(k)
        with self._lock:
            # A k the user comes back to costs nothing the second time.
            if (order, k) not in self._models:
                self._models[order, k] = NgramModel(self.train_counts(order), k)
            return self._models[order, k]

    def kn_model(self, discount: float | None = None, order: int | None = None) -> KneserNeyModel:
        """Kneser–Ney of train at `discount` (default `default_discount(order)`), made once
        per order and D; every D of an order shares one set of tables."""
        from .kn_model import KneserNeyModel
        from .params import check_discount

        order = self._order(order)
        d = self.default_discount(order) if discount is None else check_discount(discount)
        with self._lock:
            if (order, d) not in self._kn_models:
                base = next((m for (o, _), m in self._kn_models.items() if o == order), None)
                if base is None:
                    made = KneserNeyModel.fit(self.train_counts(order), d)
                else:
                    made = base.with_discount(d)
                self._kn_models[order, d] = made
            return self._kn_models[order, d]

    def default_discount(self, order: int | None = None) -> float:
        """D chosen on dev from core.kneser_ney.DISCOUNTS with a split, else 0.75."""
        from .kn_model import DEFAULT_DISCOUNT

        order = self._order(order)
        if self.split is None:
            return DEFAULT_DISCOUNT
        with self._lock:
            if order not in self._kn_discounts:
                self._kn_discounts[order] = self.discount_sweep(order=order).best.value
            return self._kn_discounts[order]

    def probs_matrix(self, model: NextTokenModel) -> torch.Tensor:
        """Every row of a model of order ≤ 2 (V×V, or 1×V for the unigram), as a tensor."""
        from .model import probs_matrix

        return probs_matrix(model)

    # --- the nets, one per order ------------------------------------------------------------

    def run(self, order: int | None = None) -> TrainingRun:
        """The order's net: the one last set up, else a fresh table net."""
        order = self._order(order)
        with self._lock:
            if order not in self._runs:
                self.new_run("table", order)
            return self._runs[order]

    def has_run(self, order: int | None = None) -> bool:
        return self._order(order) in self._runs

    def new_run(
        self,
        kind: str = "table",
        order: int | None = None,
        *,
        seed: int | None = None,
        lr: float | None = None,
        reg: float | None = None,
    ) -> TrainingRun:
        """A fresh table or linear net on train (its dev loss recorded with a split)."""
        from .neural import TrainingRun, check_kind

        order = self._order(order)
        kind = check_kind(kind, order)
        run = TrainingRun(
            self.train_counts(order), kind,
            seed=self.seed if seed is None else seed,
            lr=self.lr if lr is None else lr,
            reg=self.reg if reg is None else reg,
            dev=self._dev_counts(order),
        )  # fmt: skip
        with self._lock:
            self._runs[order] = run
        return run

    def train(
        self,
        epochs: int,
        on_epoch: Callable[[Epoch], None] | None = None,
        *,
        order: int | None = None,
        dev_every: int = 1,
    ) -> TrainingRun:
        """`epochs` more epochs of the order's net, then the final loss checked.

        With a split, every `dev_every`-th epoch and the last also record the dev loss of
        the weights the epoch's loss was computed on (Epoch.dev_loss). Raises
        TrainingDiverged (the run keeps its last good weights) if any epoch or the weights
        it ends with diverge, so a diverged model is never reported or saved.
        """
        run = self.run(order)
        epochs = check_epochs(epochs)
        for step in range(epochs):
            with_dev = run.dev is not None and (run.epoch % dev_every == 0 or step == epochs - 1)
            epoch = run.step(with_dev=with_dev)
            if on_epoch is not None:
                on_epoch(epoch)
        run.final_loss()
        return run

    @staticmethod
    def read_model_file(path: str | os.PathLike[str]) -> SavedModel:
        """A model file on its own, without data: it carries its order, net and vocabulary
        (checked by the data rules); `.model()` scores and samples with it."""
        from .persist import load_model

        return load_model(path)

    def restore(self, path: str | os.PathLike[str]) -> SavedModel:
        """Make a model file saved by `save` the net of its order; the file's vocabulary must
        be the data's. The session's order becomes the file's."""
        from .persist import load_model, restore_run

        saved = load_model(path, self.vocab)
        order = check_order(saved.order)
        run = restore_run(self.train_counts(order), saved)
        run.dev = self._dev_counts(order)
        with self._lock:
            self._runs[order] = run
        self.order = order
        return saved

    @staticmethod
    def check_model_target(path: str | os.PathLike[str]) -> Path:
        """Refuse a path no save could write, before any data is read (the data file itself
        is refused later, by `check_save_path`, once it is known)."""
        from .persist import check_model_path

        return check_model_path(path)

    def check_save_path(self, path: str | os.PathLike[str]) -> Path:
        """Refuse, before any training, a path `save` would refuse; returns the file to write."""
        from .persist import check_model_path

        return check_model_path(path, protect=self.data_path)

    def save(self, path: str | os.PathLike[str], order: int | None = None) -> Path:
        """Save the order's net atomically (see core.files); never over the data file."""
        from .persist import save_model

        run = self.run(order)
        run.final_loss()
        return save_model(path, run, protect=self.data_path)

    # --- scores -----------------------------------------------------------------------------

    def dataset_score(
        self, k: float = 0.0, order: int | None = None, model: NextTokenModel | None = None
    ) -> DatasetScore:
        """The training data scored by `model` (default: the counts model at `k`)."""
        from .scoring import score_counts

        chosen = self.model("counts", k, order) if model is None else model
        return score_counts(chosen, self.train_counts(chosen.order))

    def part_scores(self, model: NextTokenModel | None = None) -> dict[str, DatasetScore]:
        """Each part's score under `model` (default: the raw counts model of the order)."""
        from .scoring import score_counts

        chosen = self.model() if model is None else model
        return {
            name: score_counts(chosen, part)
            for name, part in self.part_counts(chosen.order).items()
        }

    def score_words(
        self, words: Sequence[str], model: NextTokenModel | None = None
    ) -> list[WordScore]:
        """Each word as context → next steps, with P, log P and why any is −inf."""
        from .scoring import score_word

        chosen = self.model() if model is None else model
        return [score_word(chosen, word) for word in words]

    def walkthrough(self, word: str, model: NextTokenModel | None = None) -> list[ExampleStep]:
        """In[22]'s replay of a word through a model: inputs, label, probabilities, NLL."""
        from .notebook import walkthrough

        return walkthrough(self.model("neural") if model is None else model, word)

    # --- sampling ---------------------------------------------------------------------------

    def _sampling_rows(self, model: NextTokenModel, temperature: float, top_k: int | None) -> Rows:
        from .params import check_temperature, check_top_k
        from .sampling import Rows

        key = (id(model), check_temperature(temperature), check_top_k(top_k))
        with self._lock:
            rows = self._rows.get(key)
            if rows is None or rows.model is not model:
                if len(self._rows) >= _KEPT_ROWS:
                    self._rows.pop(next(iter(self._rows)))  # the oldest
                rows = self._rows[key] = Rows(model, key[1], key[2])
            return rows

    def sampler(
        self,
        model: NextTokenModel | None = None,
        *,
        temperature: float = 1.0,
        top_k: int | None = None,
        algorithm: str = "classic",
        seed: int | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> Sampler:
        """A step-by-step sampler (default: the raw counts model); seed default the session's."""
        from .sampling import Sampler

        chosen = self.model() if model is None else model
        return Sampler(
            chosen,
            algorithm,
            self.seed if seed is None else seed,
            max_length,
            temperature,
            top_k,
            reuse=self._sampling_rows(chosen, temperature, top_k),
        )

    def sample(
        self,
        count: int,
        model: NextTokenModel | None = None,
        *,
        temperature: float = 1.0,
        top_k: int | None = None,
        algorithm: str = "classic",
        seed: int | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> list[SampledName]:
        """`count` names at once: the same names as `sampler(...)` stepped to the end."""
        from .batch_sampling import sample_names
        from .params import check_name_count

        chosen = self.model() if model is None else model
        return sample_names(
            chosen,
            check_name_count(count),
            algorithm=algorithm,
            seed=self.seed if seed is None else seed,
            max_length=max_length,
            temperature=temperature,
            top_k=top_k,
            rows=self._sampling_rows(chosen, temperature, top_k),
        )

    def sample_chars(
        self, count: int, model: NextTokenModel | None = None, *, seed: int | None = None
    ) -> str:
        """NG's sample: `count` characters by xorshift64* from `seed` (see core.xorshift),
        the tape starting at n−1 boundaries and running on across names; the boundary is
        a newline in the text."""
        import torch

        from .params import check_chars, check_seed
        from .sampling import context_id
        from .xorshift import sample_text

        chosen = self.model() if model is None else model
        size = chosen.vocab.size
        rows: dict[tuple[int, ...], list[float]] = {}

        def row(context: tuple[int, ...]) -> list[float]:
            if context not in rows:  # a context met again costs nothing
                probs = chosen.next_probs(torch.tensor([context_id(context, size)]))[0]
                if not bool((probs > 0).any()):
                    from .errors import NgramError

                    raise NgramError(
                        "the sample reached a context never seen in training, which has no "
                        "distribution; sample with smoothing k > 0"
                    )
                rows[context] = probs.tolist()
            return rows[context]

        seed = self.seed if seed is None else check_seed(seed)
        return sample_text(row, chosen.vocab, chosen.order, check_chars(count), seed)

    def classify(self, names: Sequence[str]) -> list[str]:
        """Where each name comes from: train, dev/test or new with a split, else train or new."""
        from .split import NEW, TRAIN, classify_names

        if self.split is not None:
            return classify_names(names, self.split)
        if self._words is None:
            from .data import iter_word_chunks

            self._words = frozenset(w for chunk in iter_word_chunks(self.data_path) for w in chunk)
        return [TRAIN if name in self._words else NEW for name in names]

    # --- tuning on dev ----------------------------------------------------------------------

    def _held_out(self, order: int | None) -> tuple[NgramCounts, NgramCounts]:
        from .params import ParameterError

        if self.split is None:
            raise ParameterError("split", "tuning needs a dev and a test part; give a split")
        parts = self.part_counts(order)
        return parts["dev"], parts["test"]

    def k_sweep(self, ks: Sequence[float] | None = None, order: int | None = None) -> KSweep:
        """Dev NLL of the counts model over a grid of k (0 and log-spaced), test at the best."""
        from .sweeps import k_sweep

        dev, test = self._held_out(order)
        return k_sweep(self.train_counts(order), dev, test, ks)

    def grid(
        self,
        orders: Sequence[int],
        values: Sequence[float],
        method: str = "addk",
        *,
        progress: Callable[[int, int], None] | None = None,
        cancel: Cancel | None = None,
    ) -> Grid:
        """NG's grid: per order and value (k of add-k, or D of Kneser–Ney, by `method`) the
        train and dev mean NLL of the model fitted on train; the best cell on dev is
        tested once."""
        from .grid import grid

        self._held_out(None)  # a grid needs a dev and a test part

        def parts(order: int) -> tuple[NgramCounts, NgramCounts, NgramCounts]:
            counted = self.part_counts(order)
            return counted["train"], counted["dev"], counted["test"]

        return grid(parts, orders, values, method, progress=progress, cancel=cancel)

    def discount_sweep(
        self, discounts: Sequence[float] | None = None, order: int | None = None
    ) -> Grid:
        """Kneser–Ney's D on dev at one order (default DISCOUNTS), its best tested once."""

        chosen = DISCOUNTS if discounts is None else discounts
        return self.grid([self._order(order)], chosen, "kn")

    def lambda_sweep(
        self,
        lambdas: Sequence[float] | None = None,
        kind: str = "table",
        order: int | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
        cancel: Cancel | None = None,
    ) -> LambdaSweep:
        """Dev NLL of the net trained to convergence per λ, from the session's seed, and the
        k whose counts model is nearest; `progress` and `cancel` as in core.sweeps."""
        from .sweeps import lambda_sweep

        dev, test = self._held_out(order)
        train = self.train_counts(order)
        return lambda_sweep(
            train, dev, test, lambdas, kind=kind, seed=self.seed,
            progress=progress, cancel=cancel,
        )  # fmt: skip


def _check_files(
    train: Path, dev: Path | None, test: Path | None, split: Sequence[float] | None
) -> tuple[Path, Path, Path]:
    from .params import ParameterError

    if split is not None:
        raise ParameterError(
            "split", "split fractions and pre-split dev and test files are exclusive; give one"
        )
    if dev is None or test is None:
        missing = "test" if test is None else "dev"
        raise ParameterError(
            "files", f"pre-split files need a dev and a test file; the {missing} file is missing"
        )
    return Path(train), Path(dev), Path(test)


def _stream_text(path: Path, vocab: Vocab) -> str:
    """A file as NG reads it, once its lines passed the word-list rules (core.data); a
    character those rules strip from a line's edges (a space) is refused, as the stream
    would keep it."""
    from .data import DataError
    from .display import shown_path
    from .stream import read_stream, vocab_of_texts

    text = read_stream(path)
    extra = sorted(set(vocab_of_texts([text]).chars) - set(vocab.chars))
    if extra:
        raise DataError(
            shown_path(path),
            f"holds {''.join(extra)!r} at the edge of a line, which the stream would count "
            "as a character; strip the lines or drop --stream",
        )
    return text


def settle_threads(spare_cores: int = 0) -> None:
    """torch's intra-op threads for this process, by core.threads' rule (imports torch):
    one thread, and the pool of all cores but `spare_cores` for work big enough to gain."""
    from .threads import settle_threads as settle

    settle(spare_cores)
