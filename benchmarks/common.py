"""Timing helpers shared by the benchmarks: interleaved repeats, medians, ratio tables."""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import platform
import statistics
import time
from collections.abc import Callable


def interleaved_medians(candidates: dict[str, Callable[[], object]], repeats: int,
                        warmup: int = 2, rounds: int = 5) -> dict[str, float]:
    """Median seconds per call of each candidate, over all its timed calls.

    The repeats are split into `rounds`; in each round every candidate runs its share
    back to back (as consecutive training steps do), after `warmup` untimed calls that
    absorb what the previous candidate left behind (caches, freed memory). Rounds
    alternate the candidates, so slow drifts of a noisy machine hit all of them alike.
    """
    times = {name: [t for ts in per_round for t in ts]
             for name, per_round in interleaved_times(candidates, repeats, warmup,
                                                      rounds).items()}
    return {name: statistics.median(ts) for name, ts in times.items()}


def interleaved_times(candidates: dict[str, Callable[[], object]], repeats: int,
                      warmup: int = 2, rounds: int = 5) -> dict[str, list[list[float]]]:
    """Seconds of each timed call, per candidate and round (see `interleaved_medians`):
    {name: [[round 0's times], [round 1's], ...]}, for statistics paired by round."""
    rounds = max(1, min(rounds, repeats))
    per_round = max(1, repeats // rounds)
    times: dict[str, list[list[float]]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            for _ in range(warmup):
                fn()
            this_round = []
            for _ in range(per_round):
                start = time.perf_counter()
                fn()
                this_round.append(time.perf_counter() - start)
            times[name].append(this_round)
    return times


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



def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory instead of returning it to the system (mallopt).

    By default glibc hands large freed blocks back and the next step faults them in
    again; whether that happens depends on the exact sequence of allocations, so it
    adds or removes hundreds of microseconds per step almost at random. Setting the
    thresholds high makes every library run with its memory warm. Returns False where
    there is no glibc (the numbers are then the allocator's as well as the libraries').
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    largest = 32 << 20  # glibc's ceiling for the mmap threshold on 64-bit systems
    return bool(mallopt(m_trim_threshold, 1 << 30)) and bool(mallopt(m_mmap_threshold, largest))


def add_allocator_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--default-malloc", action="store_true",
                        help="leave glibc's trimming on (see keep_freed_memory)")


def apply_allocator_option(args: argparse.Namespace) -> str:
    """Keep freed memory unless --default-malloc; returns a line saying which."""
    kept = not args.default_malloc and keep_freed_memory()
    return f"allocator: {'freed memory kept (mallopt)' if kept else 'default'}"
