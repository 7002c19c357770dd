"""Timing helpers: wall time, CPU time and peak memory (whole process tree) of a step."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent


class StepFailed(RuntimeError):
    """A measured command exited non-zero; the message carries the tail of its output."""


@dataclass
class Sample:
    """One measured step: wall seconds, CPU seconds (user+sys), peak RSS of the tree in MiB."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_mib: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __add__(self, other: Sample) -> Sample:
        return Sample(
            self.wall_s + other.wall_s,
            self.cpu_s + other.cpu_s,
            max(self.peak_mib, other.peak_mib),
            {**self.extra, **other.extra},
        )


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        with suppress(psutil.Error):
            total += p.memory_info().rss
    return total


@contextmanager
def peak_memory(interval: float = 0.2) -> Iterator[list[int]]:
    """Samples the RSS of this process and all its descendants; yields [peak bytes]."""
    peak = [0]
    me = psutil.Process()
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(me))
            done.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        done.set()
        thread.join()
        peak[0] = max(peak[0], _tree_rss(me))


def _cpu_now() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def measured() -> Iterator[Sample]:
    """Measures the block: wall, CPU of this process and its reaped children, peak tree RSS."""
    sample = Sample()
    cpu0, wall0 = _cpu_now(), time.perf_counter()
    with peak_memory() as peak:
        yield sample
    sample.wall_s = time.perf_counter() - wall0
    sample.cpu_s = _cpu_now() - cpu0
    sample.peak_mib = peak[0] / 2**20


def run(args: Sequence[str], env: dict[str, str], log: Path | None = None) -> Sample:
    """Run a command from the repo root and measure it."""
    with measured() as sample:
        result = subprocess.run(
            list(args),
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
        )
    if log is not None:
        with log.open("a") as fh:
            fh.write(f"$ {' '.join(args)}\n{result.stdout}\n{result.stderr}\n")
    if result.returncode != 0:
        raise StepFailed(
            f"{' '.join(args)} exited {result.returncode}\n{result.stdout[-3000:]}\n"
            f"{result.stderr[-3000:]}"
        )
    return sample


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def repeat(times: int, step: Callable[[int], Sample]) -> list[Sample]:
    return [step(i) for i in range(times)]


def summary(samples: Sequence[Sample]) -> dict[str, Any]:
    return {
        "runs": len(samples),
        "wall_s": round(median([s.wall_s for s in samples]), 3),
        "cpu_s": round(median([s.cpu_s for s in samples]), 3),
        "peak_mib": round(max((s.peak_mib for s in samples), default=0.0), 1),
        "wall_all_s": [round(s.wall_s, 3) for s in samples],
    }
