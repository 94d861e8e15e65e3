"""Timing helpers shared by the benchmarks: interleaved repeats, medians, ratio tables."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable


def interleaved_medians(candidates: dict[str, Callable[[], object]], repeats: int,
                        warmup: int = 2) -> dict[str, float]:
    """Median seconds per call of each candidate, run in turn so machine noise hits all alike."""
    for fn in candidates.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def print_table(title: str, medians: dict[str, float], baseline: str) -> None:
    """One row per candidate: median time and ratio to `baseline` (lower is faster)."""
    print(f"\n{title}")
    print(f"  {'':<44} {'median':>12} {'ratio':>8}")
    for name, seconds in medians.items():
        ratio = seconds / medians[baseline]
        print(f"  {name:<44} {format_seconds(seconds):>12} {ratio:>7.2f}x")


def format_seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def machine() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}, " \
           f"{platform.machine()}, {time.strftime('%Y-%m-%d')}"
