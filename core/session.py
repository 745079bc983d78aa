"""What the app knows once the model is loaded: the data, the counts and the models built on them.

Built on a worker thread (it imports torch), then handed to the panes. No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bigram_tui.core.counts import BigramCounts
    from bigram_tui.core.model import BigramModel
    from bigram_tui.core.neural import TrainingRun
    from bigram_tui.core.scoring import DatasetScore

MODEL_KINDS = ("counts", "smoothed", "neural", "uniform")
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
    def load(cls, data_path: Path, seed: int, progress=None) -> Session:
        """Read, count and set up training. Runs on a worker thread: this is where torch loads."""
        from bigram_tui.core.counts import BigramCounts
        from bigram_tui.core.data import iter_word_chunks
        from bigram_tui.core.neural import TrainingRun
        from bigram_tui.core.scoring import notebook_log_likelihood

        def chunks():
            done = 0
            for chunk in iter_word_chunks(data_path):
                done += len(chunk)
                if progress is not None:
                    progress(done)
                yield chunk

        counts = BigramCounts.from_word_chunks(chunks())
        notebook_sum = None
        if data_path.stat().st_size <= NOTEBOOK_SUM_MAX_BYTES:
            notebook_sum = notebook_log_likelihood(iter_word_chunks(data_path), counts)
        return cls(data_path, counts, TrainingRun(counts, seed=seed), seed, notebook_sum)

    @property
    def vocab(self):
        return self.counts.vocab

    def model(self, kind: str, k: float = 0.0) -> BigramModel:
        """`kind` is one of MODEL_KINDS; `k` is the add-k smoothing of the counts model."""
        from bigram_tui.core.model import uniform_model

        if kind == "counts":
            return self._counts_model(float(k))
        if kind == "smoothed":
            return self._counts_model(SMOOTHED_K)
        if kind == "neural":
            return self.run.model()
        if kind == "uniform":
            return uniform_model(self.vocab)
        raise ValueError(f"unknown model {kind!r}")

    def _counts_model(self, k: float) -> BigramModel:
        from bigram_tui.core.model import counts_model

        # A k the user comes back to costs nothing the second time.
        if k not in self._count_models:
            self._count_models[k] = counts_model(self.counts, k)
        return self._count_models[k]

    def dataset_score(self, k: float = 0.0) -> DatasetScore:
        from bigram_tui.core.scoring import score_dataset

        if k not in self._dataset_scores:
            self._dataset_scores[k] = score_dataset(self.model("counts", k), self.counts)
        return self._dataset_scores[k]
