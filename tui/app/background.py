"""Every worker thread of the app runs at a lower CPU priority than the UI thread.

Training, sweeps and counting share a small machine (two cores here, sixteen sessions on a
classroom's serve host) with the thread that answers keys. The scheduler then has to
choose, and a key should win: on Linux a thread is a task of its own, so each worker
thread lowers its own priority by BACKGROUND_NICENESS when the pool starts it. The work
loses nothing while the UI idles, which is nearly always; it yields only while the UI
paints. Elsewhere (macOS, Windows) a thread's priority is not set this way: nothing is done.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

BACKGROUND_NICENESS = 10  # CFS gives a nice-10 task a tenth of the share of a nice-0 one


def lower_this_thread() -> None:
    """Run the calling thread BACKGROUND_NICENESS below the process's main thread."""
    if not sys.platform.startswith("linux"):
        return
    try:
        target = min(19, os.getpriority(os.PRIO_PROCESS, os.getpid()) + BACKGROUND_NICENESS)
        thread = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, thread) < target:
            os.setpriority(os.PRIO_PROCESS, thread, target)
    except OSError:  # a sandbox that refuses: the work runs as before
        pass


def run_workers_in_background(loop: asyncio.AbstractEventLoop) -> None:
    """Textual runs thread workers in the loop's default executor: make its threads low."""
    loop.set_default_executor(
        ThreadPoolExecutor(thread_name_prefix="bigram-tui-worker", initializer=lower_this_thread)
    )
