"""The quality benchmark's test and correction, as pure functions: the
paired two-sided t-test of a method against its baseline over seeds, and
Holm's step-down correction over every comparison of a protocol."""
import math
from typing import List, Optional, Sequence

from scipy import stats


def paired_p(values: Sequence[float],
             baselines: Sequence[float]) -> Optional[float]:
    """Two-sided paired t-test p-value of ``values`` against ``baselines``
    (one pair a seed); None for fewer than two pairs or when every
    difference is the same (the test is undefined)."""
    if len(values) != len(baselines):
        raise ValueError(f'{len(values)} values against {len(baselines)} '
                         'baselines: a paired test needs one of each a seed')
    diffs = [v - b for v, b in zip(values, baselines)]
    # No spread: t is infinite (or 0 / 0), not evidence.
    if len(diffs) < 2 or max(diffs) == min(diffs):
        return None
    p = stats.ttest_rel(values, baselines).pvalue
    return None if math.isnan(p) else float(p)


def holm(p_values: Sequence[Optional[float]]) -> List[Optional[float]]:
    """Holm's step-down adjusted p-values (Holm, 1979), in the input order.

    The ``i``-th smallest of ``m`` p-values is multiplied by ``m - i``
    (``i`` from 0), a running maximum keeps the order, and values are capped
    at 1: rejecting where the adjusted p is below alpha controls the
    family-wise error rate at alpha. An undefined p (None) counts as a
    comparison that cannot be rejected (p = 1) and stays None.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: (p_values[i] is None,
                                            p_values[i] or 0.))
    adjusted: List[Optional[float]] = [None] * m
    running = 0.
    for rank, i in enumerate(order):
        p = 1. if p_values[i] is None else p_values[i]
        running = max(running, min(1., (m - rank) * p))
        adjusted[i] = None if p_values[i] is None else running
    return adjusted
