"""Figures measured in a fresh interpreter, so that a peak RSS is the job's and nothing else's.

A child script is PROLOGUE's helpers followed by the job; it prints one JSON object.
`status(field)` reads /proc/self/status in KiB. `reset_peak()` writes "5" to clear_refs,
which resets VmHWM to the current RSS (Linux ≥ 4.0), so that a peak read later is the job's
own; it says whether that worked, and where it did not the growth is measured from VmRSS.
"""

from __future__ import annotations

import json
import subprocess
import sys

PROLOGUE = r"""
import json, sys, time

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])

def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False
"""


def run_child(job: str, *argv: object) -> dict:
    """Run PROLOGUE + `job` in a fresh interpreter with `argv`; the JSON it printed."""
    command = [sys.executable, "-c", PROLOGUE + job, *(str(arg) for arg in argv)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def worst_growth_mib(runs: list[dict]) -> float:
    """The largest peak growth of the runs, VmHWM after − VmRSS before, in MiB."""
    return max((run["hwm_after_kib"] - run["rss_before_kib"]) / 1024 for run in runs)
