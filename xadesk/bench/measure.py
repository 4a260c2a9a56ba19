"""Timing and peak-memory helpers shared by the benchmarks."""

from __future__ import annotations

import resource
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Measurement:
    seconds: float = 0.0
    peak_python_mb: float = 0.0
    max_rss_mb: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def max_rss_mb() -> float:
    # ru_maxrss is KiB on Linux (bytes on macOS; we only benchmark on Linux and Windows-less CI).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@contextmanager
def measure(trace_memory: bool = True) -> Iterator[Measurement]:
    """Wall time, tracemalloc peak (Python + numpy allocations) and process max RSS."""
    m = Measurement()
    if trace_memory:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        yield m
    finally:
        m.seconds = time.perf_counter() - start
        if trace_memory:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            m.peak_python_mb = peak / 1e6
        m.max_rss_mb = max_rss_mb()


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Fastest of ``repeat`` runs: the least noisy single figure on a busy machine."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best
