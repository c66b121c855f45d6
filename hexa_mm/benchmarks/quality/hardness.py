"""How hard a run's hard examples were: the hardness figures that HEXA
algorithms log every iteration (:meth:`HardExampleMixin.hard_pass`),
averaged over an epoch, for the quality / demo JSON and table."""
import statistics
from typing import Dict, List

import numpy as np

#: The figures, in the table's order: each kind's top-1 "pseudo-label still
#: wins" rate, and its loss over the same clean rows' loss.
HARDNESS_KEYS = ('clean_win', 'adv_win', 'mix_win', 'adv_ratio', 'mix_ratio')


def epoch_hardness(message_hub, iters_per_epoch: int) -> Dict[str, dict]:
    """Means of the figures over the first and the last epoch of a run.

    Args:
        message_hub: The Runner's ``MessageHub`` after training (its
            ``train/<figure>`` buffers hold every iteration's value).
        iters_per_epoch: Iterations an epoch.

    Returns:
        dict: ``{'first_epoch': {figure: mean}, 'last_epoch': {...}}``, with
        the figures that the run logged (none for a baseline).
    """
    epochs = dict(first_epoch={}, last_epoch={})
    for key in HARDNESS_KEYS:
        buffer = message_hub.log_scalars.get(f'train/{key}')
        if buffer is None:
            continue
        values, _ = buffer.data
        for name, part in (('first_epoch', values[:iters_per_epoch]),
                           ('last_epoch', values[-iters_per_epoch:])):
            epochs[name][key] = round(float(np.mean(part)), 4)
    return epochs if epochs['last_epoch'] else {}


def mean_last_epoch(runs: List[dict]) -> Dict[str, float]:
    """Each figure's mean over the runs (seeds) of its last-epoch means."""
    figures = [r['hardness']['last_epoch'] for r in runs if r.get('hardness')]
    if len(figures) < len(runs):
        return {}
    return {
        key: round(statistics.fmean(f[key] for f in figures), 3)
        for key in HARDNESS_KEYS if all(key in f for f in figures)
    }


def hardness_cell(row: dict) -> str:
    """``win clean / adv / mix, ratio adv / mix`` of a table row."""
    figures = row.get('hardness') or {}
    if not figures:
        return ''
    wins = ' / '.join(f"{figures[k]:.2f}" if k in figures else '-'
                      for k in HARDNESS_KEYS[:3])
    ratios = ' / '.join(f"{figures[k]:.2f}" if k in figures else '-'
                        for k in HARDNESS_KEYS[3:])
    return f'{wins}; {ratios}'
