"""How many torch intra-op threads a piece of work gets: the one home of that rule.

Nearly every tensor here is small: a count, a score, a row, a 27×27 epoch. torch hands an
operation to its thread pool once it is past an internal grain, and on a small or busy
machine waking the pool, and waiting for a partner the scheduler has put aside, costs
more than the work (python -m tests.bench --only r3-threads times both on each kind of
work). So the rule is one thread, and the pool only for work of PARALLEL_FROM numbers up.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch

# On names.txt the pool never pays: an epoch of the order-4 or order-6 table net takes
# half the time on an idle 2-core machine and 2–5× longer on a busy one, where every
# operation waits for a partner the scheduler has put aside (python -m tests.bench --only
# r3-threads). Work this big (a large vocabulary or corpus) spends milliseconds an
# operation, against which a wait of a time slice is no longer most of the cost.
PARALLEL_FROM = 1 << 22

_available = os.cpu_count() or 1  # what work past PARALLEL_FROM may use


def settle_threads(spare_cores: int = 0) -> None:
    """One thread from now on, and the pool (all cores but `spare_cores`, kept for a UI
    thread) only inside `threads_for` work big enough to gain from it."""
    global _available
    _available = max(1, (os.cpu_count() or 1) - spare_cores)
    torch.set_num_threads(1)


def threads_for_numbers(numbers: int, available: int) -> int:
    """The intra-op threads for work whose largest tensor holds `numbers` numbers."""
    return available if numbers >= PARALLEL_FROM else 1


@contextmanager
def threads_for(numbers: int) -> Iterator[None]:
    """Run work of `numbers` numbers on the threads the rule gives it, then restore the
    setting: torch's is process-wide, so a UI thread working meanwhile shares it."""
    previous = torch.get_num_threads()
    wanted = threads_for_numbers(numbers, _available)
    if wanted == previous:
        yield
        return
    torch.set_num_threads(wanted)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
