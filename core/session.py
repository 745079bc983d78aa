"""The headless session both front ends use: the data, its counts and every model built on them.

It loads the data, builds models (counts at any k, smoothed, neural, uniform, or one read
from a file), trains, scores, samples and saves. It also knows an n-gram order (default 2)
and an optional train/dev/test split: the n-gram counts, models, nets, samplers and sweeps
of that order are fitted on train (the whole data without a split) and cached. The bigram
methods (`model`, `dataset_score`, `sample`, ...) are the lecture's, whatever the order.
`word_split` is the one split every pane evaluates, trains and marks names on.
No Textual here, and no torch at import:
the app imports this module before torch loads, so every torch-using import is inside a
method (`load` runs on the app's worker thread).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .defaults import DEFAULT_LR, DEFAULT_MAX_LENGTH, DEFAULT_REG, DEFAULT_SEED
from .params import (
    DEFAULT_ORDER,
    DEFAULT_SPLIT_SEED,
    MODEL_KINDS,
    check_epochs,
    check_model_kind,
    check_order,
)

if TYPE_CHECKING:
    from .counts import BigramCounts
    from .evaluation import Evaluation
    from .model import BigramModel
    from .neural import Epoch, TrainingRun
    from .ngram_counts import NgramCounts
    from .ngram_model import NextTokenModel, NgramModel, NgramScore, NgramWordScore
    from .ngram_neural import Cancel, NgramTrainingRun
    from .ngram_sampling import NgramSampler
    from .persist import SavedModel
    from .sampling import NameSampler, SampledName
    from .scoring import DatasetScore, WordScore
    from .split import WordSplit
    from .sweeps import KSweep, LambdaSweep
    from .vocab import Vocab

__all__ = ["MODEL_KINDS", "NOTEBOOK_SUM_MAX_BYTES", "SMOOTHED_K", "WHOLE", "Session"]

NOTEBOOK_SUM_MAX_BYTES = 16 << 20  # the float32 replay reads the file twice; skip it for big files
SMOOTHED_K = 1.0  # the lecture's choice of fake count
WHOLE = "all"  # the one part there is without a split: all the words, the training data


@dataclass
class Session:
    data_path: Path
    counts: BigramCounts
    run: TrainingRun
    seed: int
    notebook_log_likelihood: float | None = None  # In[16]'s float32 running sum, for comparison
    order: int = DEFAULT_ORDER  # of the n-gram methods; the bigram methods are always order 2
    split: WordSplit | None = None  # None: every word is training data
    ngram_run: NgramTrainingRun | None = None  # the last net `new_ngram_run` set up
    _count_models: dict[float, BigramModel] = field(default_factory=dict, repr=False)
    _dataset_scores: dict[float, DatasetScore] = field(default_factory=dict, repr=False)
    _ngram_counts: dict[int, NgramCounts] = field(default_factory=dict, repr=False)
    # The app's panes ask for an order from their own worker threads: it is counted once.
    _ngram_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _part_counts: dict[int, dict[str, NgramCounts]] = field(default_factory=dict, repr=False)
    _ngram_models: dict[tuple[int, float], NgramModel] = field(default_factory=dict, repr=False)
    _words: frozenset[str] | None = field(default=None, repr=False)
    # The split every pane uses and its counts per order, made once for all their workers.
    _evaluation: Evaluation | None = field(default=None, repr=False)
    _split_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

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
    ) -> Session:
        """Read and count the data, and set up training from `seed` with `lr` and `reg`.

        `progress(words)` is called after each chunk. `notebook_sum` replays the lecture's
        float32 sum (a second read of the file) for files up to NOTEBOOK_SUM_MAX_BYTES.
        `order` is the n-gram methods' order; `split` the train/dev/test fractions, shuffled
        from `split_seed` (ParameterError if a part would have no word).
        """
        from .counts import BigramCounts
        from .data import iter_word_chunks
        from .neural import TrainingRun
        from .params import check_split, check_split_seed, check_split_sizes
        from .scoring import notebook_log_likelihood
        from .split import split_words

        order = check_order(order)
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
        counts = BigramCounts.from_word_chunks(chunks())
        notebook = None
        if notebook_sum and data_path.stat().st_size <= NOTEBOOK_SUM_MAX_BYTES:
            notebook = notebook_log_likelihood(iter_word_chunks(data_path), counts)
        run = TrainingRun(counts, seed=seed, lr=lr, reg=reg)
        word_split = None
        if fractions is not None:
            word_split = split_words(kept, fractions, split_seed)
            check_split_sizes(fractions, word_split.sizes)
        return cls(data_path, counts, run, seed, notebook, order, word_split)

    @property
    def vocab(self) -> Vocab:
        return self.counts.vocab

    # --- models ---------------------------------------------------------------------

    def model(self, kind: str, k: float = 0.0) -> BigramModel:
        """`kind` is one of MODEL_KINDS; `k` is the add-k smoothing of the counts model.

        "neural" is the session's run as it stands: trained, restored from a file, or not yet.
        """
        from .model import uniform_model

        kind = check_model_kind(kind)
        if kind == "counts":
            return self._counts_model(k)
        if kind == "smoothed":
            return self._counts_model(SMOOTHED_K)
        if kind == "neural":
            return self.run.model()
        return uniform_model(self.vocab)

    def _counts_model(self, k: float) -> BigramModel:
        from .model import counts_model
        from .params import check_smoothing

        k = check_smoothing(k)
        # A k the user comes back to costs nothing the second time.
        if k not in self._count_models:
            self._count_models[k] = counts_model(self.counts, k)
        return self._count_models[k]

    # --- training -------------------------------------------------------------------

    def train(self, epochs: int, on_epoch: Callable[[Epoch], None] | None = None) -> TrainingRun:
        """Run `epochs` more epochs of the session's run, then check the final loss.

        Raises TrainingDiverged (the run keeps its last good weights) if any epoch or the
        weights it ends with diverge, so a diverged model is never reported or saved.
        """
        for _ in range(check_epochs(epochs)):
            epoch = self.run.step()
            if on_epoch is not None:
                on_epoch(epoch)
        self.run.final_loss()
        return self.run

    def restore(self, path: str | os.PathLike[str]) -> SavedModel:
        """Make a model file saved by `save` the session's run; its vocabulary must match."""
        from .persist import load_model, restore_run

        saved = load_model(path, self.vocab)
        self.run = restore_run(self.counts, saved)
        return saved

    def check_save_path(self, path: str | os.PathLike[str]) -> Path:
        """Refuse, before any training, a path `save` would refuse; returns the file to write."""
        from .persist import check_model_path

        return check_model_path(path, protect=self.data_path)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Save the run atomically (see core.files); never over the data file."""
        from .persist import save_model

        self.run.final_loss()
        return save_model(path, self.run, protect=self.data_path)

    # --- scoring and sampling -------------------------------------------------------

    def dataset_score(self, k: float = 0.0) -> DatasetScore:
        from .scoring import score_dataset

        if k not in self._dataset_scores:
            self._dataset_scores[k] = score_dataset(self.model("counts", k), self.counts)
        return self._dataset_scores[k]

    def score_words(
        self, words: Sequence[str], kind: str = "counts", k: float = 0.0
    ) -> list[WordScore]:
        from .scoring import score_word

        model = self.model(kind, k)
        return [score_word(model, word) for word in words]

    def sampler(
        self,
        kind: str = "counts",
        k: float = 0.0,
        *,
        algorithm: str = "classic",
        seed: int | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> NameSampler:
        """A step-by-step sampler of the model; the seed defaults to the session's."""
        from .sampling import NameSampler

        chosen = self.seed if seed is None else seed
        model = self.model(kind, k)
        return NameSampler(model, algorithm=algorithm, seed=chosen, max_length=max_length)

    def sample(
        self,
        count: int,
        kind: str = "counts",
        k: float = 0.0,
        *,
        algorithm: str = "classic",
        seed: int | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> list[SampledName]:
        """`count` names at once; the same names as `sampler(...)` stepped to the end."""
        from .params import check_name_count
        from .sampling import sample_names

        chosen = self.seed if seed is None else seed
        return sample_names(
            self.model(kind, k),
            check_name_count(count),
            algorithm=algorithm,
            seed=chosen,
            max_length=max_length,
        )

    # --- n-grams of the session's order, fitted on train --------------------------------

    def _order(self, order: int | None) -> int:
        return self.order if order is None else check_order(order)

    def ngram_counts(self, order: int | None = None) -> NgramCounts:
        """The n-grams of all the words (the split's parts together), counted once per order."""
        from .ngram_counts import NgramCounts

        order = self._order(order)
        with self._ngram_lock:
            if order not in self._ngram_counts:
                counts = NgramCounts.from_path(self.data_path, order, self.vocab)
                self._ngram_counts[order] = counts
            return self._ngram_counts[order]

    def word_split(self) -> WordSplit:
        """The split the app uses: the session's own, else the lectures' default split
        (core.split's SPLIT_FRACTIONS and SPLIT_SEED) of all the words, read once on first use.
        """
        return self.evaluation().split

    def evaluation(self) -> Evaluation:
        """`word_split` with its train, dev and test counts per order, each counted once."""
        from .evaluation import Evaluation

        with self._split_lock:
            if self._evaluation is None:
                split = self.split if self.split is not None else self._default_split()
                self._evaluation = Evaluation(split)
            return self._evaluation

    def _default_split(self) -> WordSplit:
        from .data import read_words
        from .split import SPLIT_FRACTIONS, SPLIT_SEED, split_words

        return split_words(read_words(self.data_path), SPLIT_FRACTIONS, SPLIT_SEED)

    def part_counts(self, order: int | None = None) -> dict[str, NgramCounts]:
        """The counts of each part, by name: train, dev and test, or WHOLE without a split."""
        order = self._order(order)
        if order not in self._part_counts:
            if self.split is None:
                self._part_counts[order] = {WHOLE: self.ngram_counts(order)}
            else:
                train, dev, test = self.evaluation().counts(order)
                self._part_counts[order] = {"train": train, "dev": dev, "test": test}
        return self._part_counts[order]

    def part_words(self) -> dict[str, int]:
        """How many words each part holds, by the names of `part_counts`."""
        if self.split is None:
            return {WHOLE: self.counts.words}
        train, dev, test = self.split.sizes
        return {"train": train, "dev": dev, "test": test}

    def train_counts(self, order: int | None = None) -> NgramCounts:
        """What every n-gram model is fitted on: the split's train part, else all the words."""
        parts = self.part_counts(order)
        return parts[WHOLE] if self.split is None else parts["train"]

    def _held_out(self, order: int | None) -> tuple[NgramCounts, NgramCounts]:
        from .params import ParameterError

        if self.split is None:
            raise ParameterError("split", "tuning needs a dev and a test part; give a split")
        parts = self.part_counts(order)
        return parts["dev"], parts["test"]

    def ngram_model(self, k: float = 0.0, order: int | None = None) -> NgramModel:
        """The counts model with add-k smoothing, fitted on train; cached per (order, k)."""
        from .ngram_model import NgramModel
        from .params import check_smoothing

        order, k = self._order(order), check_smoothing(k)
        if (order, k) not in self._ngram_models:
            self._ngram_models[order, k] = NgramModel(self.train_counts(order), k)
        return self._ngram_models[order, k]

    def part_scores(
        self, model: NextTokenModel | None = None, order: int | None = None
    ) -> dict[str, NgramScore]:
        """Each part's score under `model` (default: the raw counts model of the order)."""
        from .ngram_model import score_counts

        chosen = self.ngram_model(0.0, order) if model is None else model
        return {
            name: score_counts(chosen, part)
            for name, part in self.part_counts(chosen.order).items()
        }

    def score_ngram_words(
        self, words: Sequence[str], model: NextTokenModel | None = None
    ) -> list[NgramWordScore]:
        """Each word as context → next rows, with P, log P and why any is −inf."""
        from .ngram_model import score_word

        chosen = self.ngram_model() if model is None else model
        return [score_word(chosen, word) for word in words]

    # --- the nets of order n ----------------------------------------------------------

    def new_ngram_run(self, kind: str = "table", order: int | None = None) -> NgramTrainingRun:
        """A fresh table or linear net on train, from the bigram run's seed, lr and λ."""
        from .ngram_neural import NgramTrainingRun

        counts = self.train_counts(order)
        run = self.run
        self.ngram_run = NgramTrainingRun(counts, kind, seed=run.seed, lr=run.lr, reg=run.reg)
        return self.ngram_run

    def train_ngram(
        self,
        epochs: int,
        on_epoch: Callable[[Epoch, float | None], None] | None = None,
        *,
        dev_every: int = 1,
    ) -> NgramTrainingRun:
        """`epochs` more epochs of `ngram_run` (a table net is set up if there is none).

        `on_epoch(epoch, dev_nll)` gets the dev set's mean NLL of the weights the epoch's
        loss was computed on, at every `dev_every`-th epoch and the last, if there is a
        split (None otherwise). TrainingDiverged as `train`.
        """
        from .ngram_model import score_counts

        run = self.ngram_run if self.ngram_run is not None else self.new_ngram_run()
        epochs = check_epochs(epochs)
        dev = None if self.split is None else self.part_counts(run.order)["dev"]
        for step in range(epochs):
            dev_nll = None
            index = run.epoch
            if dev is not None and (index % dev_every == 0 or step == epochs - 1):
                dev_nll = score_counts(run.model(), dev).mean_nll  # before the step, as the loss
            epoch = run.step()
            if on_epoch is not None:
                on_epoch(epoch, dev_nll)
        run.final_loss()
        return run

    def next_token_model(self, kind: str = "counts", k: float = 0.0) -> NextTokenModel:
        """The counts model at k, or the n-gram net as it stands ("neural"), of the order."""
        from .params import ParameterError

        if kind == "counts":
            return self.ngram_model(k)
        if kind == "neural":
            run = self.ngram_run if self.ngram_run is not None else self.new_ngram_run()
            return run.model()
        raise ParameterError("model", f"no {kind!r} model of order n; choose counts or neural")

    # --- sampling at order n ----------------------------------------------------------

    def ngram_sampler(
        self,
        model: NextTokenModel | None = None,
        *,
        temperature: float = 1.0,
        top_k: int | None = None,
        algorithm: str = "classic",
        seed: int | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> NgramSampler:
        """A step-by-step sampler at the model's order (default the raw counts model)."""
        from .ngram_sampling import NgramSampler

        return NgramSampler(
            self.ngram_model() if model is None else model,
            algorithm,
            self.seed if seed is None else seed,
            max_length,
            temperature,
            top_k,
        )

    def sample_ngram(
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
        """`count` names at once; the same as `ngram_sampler(...)` stepped to the end."""
        from .ngram_sampling import sample_ngram_names
        from .params import check_name_count

        return sample_ngram_names(
            self.ngram_model() if model is None else model,
            check_name_count(count),
            algorithm=algorithm,
            seed=self.seed if seed is None else seed,
            max_length=max_length,
            temperature=temperature,
            top_k=top_k,
        )

    def classify(self, names: Sequence[str]) -> list[str]:
        """Where each name comes from: train, dev/test or new with a split, else train or new."""
        from .split import NEW, TRAIN, classify_names

        if self.split is not None:
            return classify_names(names, self.split)
        if self._words is None:
            from .data import iter_word_chunks

            self._words = frozenset(w for chunk in iter_word_chunks(self.data_path) for w in chunk)
        return [TRAIN if name in self._words else NEW for name in names]

    # --- tuning on dev ----------------------------------------------------------------

    def k_sweep(self, ks: Sequence[float] | None = None, order: int | None = None) -> KSweep:
        """Dev NLL of the counts model over a grid of k (0 and log-spaced), test at the best."""
        from .sweeps import k_sweep

        dev, test = self._held_out(order)
        return k_sweep(self.train_counts(order), dev, test, ks)

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
            train, dev, test, lambdas, kind=kind, seed=self.run.seed,
            progress=progress, cancel=cancel,
        )  # fmt: skip
