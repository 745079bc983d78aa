"""`bigram-tui stats`: the data at an order, each part's score and the most common n-grams.

Without a split the one part is all the words; with one, train, dev and test, each with
what train never shows (Unseen: occurrences and distinct n-grams, the app's numbers).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bigram_tui.core.session import BOUNDARY, dataset_label

from . import output
from .common import counts_model, emit, load_session, split_report
from .errors import EXIT_OK

if TYPE_CHECKING:
    from bigram_tui.core.session import DatasetScore, Unseen


def score_record(score: DatasetScore) -> dict[str, Any]:
    return {
        "examples": score.examples,
        "log_likelihood": score.log_likelihood,
        "nll": score.nll,
        "mean_nll": score.mean_nll,
        "perplexity": score.perplexity,
        "never_seen": score.reasons(),
    }


def unseen_record(unseen: Unseen | None, part: str) -> dict[str, Any] | None:
    if unseen is None:
        return None
    return {
        "examples": unseen.examples,
        "ngrams": unseen.ngrams,
        "context_examples": unseen.context_examples,
        "contexts": unseen.contexts,
        "described": unseen.describe(part),
    }


def ngram_record(ngram: tuple[str, ...], count: int) -> dict[str, Any]:
    context, following = ngram[:-1], ngram[-1]
    return {"ngram": "".join(ngram), "context": "".join(context), "next": following,
            "count": count}  # fmt: skip


def run(args: argparse.Namespace) -> int:
    session = load_session(args)
    model, smoothed = counts_model(args, session)
    whole = session.counts()
    words = session.part_words()
    unseen = session.unseen()
    part_counts = session.part_counts()
    scores = session.part_scores(model)
    parts = [
        {"part": name, "words": words[name], "distinct_ngrams": counts.entries,
         **score_record(scores[name]), "unseen": unseen_record(unseen.get(name), name)}
        for name, counts in part_counts.items()
    ]  # fmt: skip
    vocab = session.vocab
    # A --top past the number of n-grams lists them all (and keeps a huge N off torch).
    top = session.most_common(min(args.top, whole.entries))
    report = {
        "data": dataset_label(session.data_path),
        "order": session.order,
        "words": whole.words,
        "examples": whole.total,
        "distinct_ngrams": whole.entries,
        "vocabulary": {"size": vocab.size, "characters": list(vocab.chars)},
        "boundary": BOUNDARY,
        "min_length": whole.min_length,
        "max_length": whole.max_length,
        "smoothing": smoothed.get("smoothing"),  # add-k's k; None for Kneser–Ney
        "smoothing_method": "kn" if smoothed["kind"] == "kn" else "addk",
        "discount": smoothed.get("discount"),
        "discount_chosen_on_dev": smoothed.get("discount_chosen_on_dev"),
        "stream": session.stream,
        "split": split_report(args, session),
        "parts": parts,
        "top_ngrams": [ngram_record(ngram, count) for ngram, count in top],
    }
    lecture = session.order == 2 and session.split is None and not session.stream
    if lecture and smoothed.get("smoothing") == 0:
        # In[16] sums in float32 and prints -559891.75 (2.4541): said beside the exact sum.
        report["notebook_log_likelihood"] = session.notebook_sum()
    emit(args, report, output.stats_lines)
    return EXIT_OK
