"""Confidence bounds for the share of runs that measured a child's lines.

A row's runs are independent trials of one process start under one setting, so
the share that measured everything is a binomial proportion. Racy rows report it
with a Wilson score interval, which stays inside [0, 1] and behaves at small n
and near 0 or 1, where the textbook normal interval does not. Deterministic rows
("measured" in every run, or "lost" in every run) report the one-sided exact
upper bound on the rate of the contrary outcome: with 0 contrary runs out of n,
the largest rate p for which seeing none still has probability 5% solves
(1 - p)**n = 0.05 (Clopper and Pearson, 1934; about 3/n, the "rule of three").
"""

from __future__ import annotations

import math

#: Two-sided 95%: the standard normal quantile 0.975.
Z95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` out of ``trials`` (95% by default).

    Raises:
        ValueError: ``trials`` is not positive or ``successes`` is out of range.
    """
    if trials <= 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials > 0, not {successes}/{trials}")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    # Clamp the float noise at the ends: 0/n has a lower bound of exactly 0.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def zero_events_upper_bound(trials: int, alpha: float = 0.05) -> float:
    """The one-sided exact upper bound on an event's rate after 0 events in ``trials``.

    Raises:
        ValueError: ``trials`` is not positive or ``alpha`` is not in (0, 1).
    """
    if trials <= 0 or not 0 < alpha < 1:
        raise ValueError(f"need trials > 0 and 0 < alpha < 1, not {trials}, {alpha}")
    return 1 - math.pow(alpha, 1 / trials)


def percent(value: float) -> str:
    """A rate as a short percentage: ``0.0952`` -> ``9.5%``, ``0.004`` -> ``0.4%``."""
    shown = value * 100
    if shown == 0 or shown >= 10:
        return f"{shown:.0f}%"
    return f"{shown:.1f}%"
