"""The headless session both front ends use: the data, its counts and every model built on them.

It loads the data, builds models (counts at any k, smoothed, neural, uniform, or one read
from a file), trains, scores, samples and saves. No Textual here, and no torch at import:
the app imports this module before torch loads, so every torch-using import is inside a
method (`load` runs on the app's worker thread).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .defaults import DEFAULT_LR, DEFAULT_MAX_LENGTH, DEFAULT_REG, DEFAULT_SEED
from .params import MODEL_KINDS, check_epochs, check_model_kind

if TYPE_CHECKING:
    from .counts import BigramCounts
    from .model import BigramModel
    from .neural import Epoch, TrainingRun
    from .persist import SavedModel
    from .sampling import NameSampler, SampledName
    from .scoring import DatasetScore, WordScore
    from .vocab import Vocab

__all__ = ["MODEL_KINDS", "NOTEBOOK_SUM_MAX_BYTES", "SMOOTHED_K", "Session"]

NOTEBOOK_SUM_MAX_BYTES = 16 << 20  # the float32 replay reads the file twice; skip it for big files
SMOOTHED_K = 1.0  # the lecture's choice of fake count


@dataclass
class Session:
    data_path: Path
    counts: BigramCounts
    run: TrainingRun
    seed: int
    notebook_log_likelihood: float | None = None  # In[16]'s float32 running sum, for comparison
    _count_models: dict[float, BigramModel] = field(default_factory=dict, repr=False)
    _dataset_scores: dict[float, DatasetScore] = field(default_factory=dict, repr=False)

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
    ) -> Session:
        """Read and count the data, and set up training from `seed` with `lr` and `reg`.

        `progress(words)` is called after each chunk. `notebook_sum` replays the lecture's
        float32 sum (a second read of the file) for files up to NOTEBOOK_SUM_MAX_BYTES.
        """
        from .counts import BigramCounts
        from .data import iter_word_chunks
        from .neural import TrainingRun
        from .scoring import notebook_log_likelihood

        def chunks() -> Iterator[list[str]]:
            done = 0
            for chunk in iter_word_chunks(data_path):
                done += len(chunk)
                if progress is not None:
                    progress(done)
                yield chunk

        # Streamed in chunks, so a huge word list never sits in memory as one list.
        counts = BigramCounts.from_word_chunks(chunks())
        notebook = None
        if notebook_sum and data_path.stat().st_size <= NOTEBOOK_SUM_MAX_BYTES:
            notebook = notebook_log_likelihood(iter_word_chunks(data_path), counts)
        run = TrainingRun(counts, seed=seed, lr=lr, reg=reg)
        return cls(data_path, counts, run, seed, notebook)

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
