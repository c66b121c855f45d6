"""How hard a run's hard examples were: the hardness figures that HEXA
algorithms log every iteration (:meth:`HardExampleMixin.hard_pass`),
averaged over an epoch, for the result files and tables."""
import statistics
from typing import Dict, List

import numpy as np

#: The figures: each kind's loss over the clean loss of the rows it was made
#: from (the mixed one as its excess over the soft target's entropy), and the
#: cut-mixed examples' mean lam.
HARDNESS_KEYS = ('adv_ratio', 'mix_ratio', 'mix_lam')


def epoch_hardness(message_hub, iters_per_epoch: int) -> Dict[str, dict]:
    """Means of the figures over the first and the last epoch of a run.

    Args:
        message_hub: The Runner's ``MessageHub`` after training (its
            ``train/<figure>`` buffers hold every iteration's value).
        iters_per_epoch: Iterations an epoch.

    Returns:
        dict: ``{'first_epoch': {figure: mean}, 'last_epoch': {...}}``, with
        the figures that the run logged (empty for a baseline).
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
    if not figures or len(figures) < len(runs):
        return {}
    return {
        key: round(statistics.fmean(f[key] for f in figures), 3)
        for key in HARDNESS_KEYS if all(key in f for f in figures)
    }
