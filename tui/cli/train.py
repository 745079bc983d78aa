"""`bigram-tui train`: gradient descent on the table or linear net of an order, printing the
loss (and the dev loss with a split) as it goes, then saving the net with --save.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bigram_tui.core.display import shown_path
from bigram_tui.core.errors import TrainingDiverged
from bigram_tui.core.session import WHOLE, Session

from . import output
from .common import diverged, load_session, split_report
from .errors import EXIT_INTERRUPTED, EXIT_OK, SaveStopped, UsageError, fail, write_output

if TYPE_CHECKING:
    from bigram_tui.core.session import Epoch, TrainingRun


@contextlib.contextmanager
def _signals_stop_the_save() -> Iterator[None]:
    """SIGTERM, SIGHUP and SIGQUIT during a save raise SaveStopped, so the temporary file is
    removed (SIGQUIT would otherwise dump core and leave it)."""

    def stop(signum: int, _frame: object) -> None:
        raise SaveStopped(signum)

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; the default SIGTERM still ends us
        return
    stopping = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
    previous = {number: signal.signal(number, stop) for number in stopping}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _save(args: argparse.Namespace, session: Session) -> int | None:
    """Save the net; an exit status if a signal or Ctrl-C stopped the save."""
    unchanged = f"{shown_path(args.save)} was left as it was"
    try:
        with _signals_stop_the_save():
            session.save(args.save)
    except KeyboardInterrupt:
        fail(f"save interrupted; {unchanged}")
        return EXIT_INTERRUPTED
    except SaveStopped as stop:
        fail(f"stopped by {signal.Signals(stop.signum).name} during the save; {unchanged}")
        return 128 + stop.signum
    return None


def _summary(args: argparse.Namespace, session: Session, run: TrainingRun) -> dict[str, Any]:
    final_dev = None
    if session.split is not None:
        final_dev = session.part_scores(session.model("neural"))["dev"]
    # The counts model scored on what the net is fitted on: where a table net ends at λ=0.
    floor = session.part_scores()["train" if session.split is not None else WHOLE]
    return {"epochs": run.epoch, "lr": run.lr, "reg": run.reg, "seed": run.seed,
            "parameters": run.parameters,
            "last_loss": run.losses[-1] if run.losses else None,
            "final_loss": run.final_loss(),
            "final_dev_nll": None if final_dev is None else final_dev.mean_nll,
            "final_dev_perplexity": None if final_dev is None else final_dev.perplexity,
            "counts_train_nll": floor.mean_nll, "saved_to": args.save}  # fmt: skip


def run(args: argparse.Namespace) -> int:
    if args.save is not None and not args.save.strip():
        raise UsageError("--save needs a file name, e.g. --save model.pt")
    if args.save is not None:
        Session.check_model_target(args.save)  # before reading the data, which may take a while
    session = load_session(args)
    if args.save is not None:
        # Before the first epoch: a long run must not be lost to a typo in the path.
        session.check_save_path(args.save)
    net = session.new_run(args.net or "table")
    report: dict[str, Any] = {
        "net": net.kind, "order": session.order, "split": split_report(args, session),
        "stream": session.stream,
        "parameters": net.parameters, "rows": len(net.weights),
    }  # fmt: skip
    header = output.train_header(report)
    if header is not None and not args.json:
        write_output(header)
    width = len(str(max(args.epochs - 1, 0)))
    shown: list[dict[str, Any]] = []

    def show(epoch: Epoch) -> None:
        if epoch.index % args.every == 0 or epoch.index == args.epochs - 1:
            record = {"epoch": epoch.index, "loss": epoch.loss, "dev_loss": epoch.dev_loss}
            shown.append(record)
            if not args.json:  # as it happens: a long run shows progress
                write_output(output.epoch_line(report, record, width))

    try:
        trained = session.train(args.epochs, on_epoch=show, dev_every=args.every)
    except TrainingDiverged as exc:
        raise diverged(exc) from None
    if args.save is not None and (stopped := _save(args, session)) is not None:
        return stopped
    report |= {"epochs": shown, "summary": _summary(args, session, trained)}
    if args.json:
        write_output(output.render_json(report))
    else:
        write_output("\n".join(output.train_summary_lines(report)))
    return EXIT_OK
