"""Tiny benchmark harness: median wall time of repeated calls, and ratios in one run.

Benchmarks compare two ways of doing the same thing *in the same process and run* (a
baseline and a candidate), so the ratio is meaningful on any machine even when absolute
times are not. Each ``bench_*.py`` module defines ``main(quick: bool) -> list[dict]``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time in seconds of ``repeat`` calls of ``fn`` after ``warmup`` calls."""
    if repeat < 1 or warmup < 0:
        raise ValueError("repeat must be >= 1 and warmup >= 0")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def compare(name: str, baseline: tuple[str, float], candidate: tuple[str, float], **extra) -> dict:
    """Record of one comparison: both times and ``speedup = baseline / candidate``."""
    (bname, bt), (cname, ct) = baseline, candidate
    return {
        "benchmark": name,
        "baseline": bname,
        "baseline_s": bt,
        "candidate": cname,
        "candidate_s": ct,
        "speedup": bt / ct if ct > 0 else float("inf"),
        **extra,
    }
