"""The quality benchmark's table: per method, means and spreads over seeds
and the paired difference to what it is compared with."""
import math
import statistics

from scipy import stats

from .hardness import hardness_cell, mean_last_epoch
from .methods import BASELINES, KNN_K


def _mean_std(values):
    mean = statistics.fmean(values)
    return mean, (statistics.pstdev(values) if len(values) > 1 else 0.)


def _paired_p(values, baselines):
    """Two-sided paired t-test p-value; None for one pair or when every
    difference is the same (the test is undefined)."""
    if len(values) < 2:
        return None
    p = stats.ttest_rel(values, baselines).pvalue
    return None if math.isnan(p) else round(float(p), 3)


#: Under a table whose comparisons rest on one seed.
ONE_SEED_NOTE = (
    'One seed: a difference to the baseline is one draw of seed noise (on '
    'the digits, a method\'s kNN moves by up to 4 points from seed to seed: '
    'docs/benchmarks.md), and the same seed gives other figures on another '
    'machine (floating-point kernels differ). It shows that each method '
    'trains and how hard its hard examples are, not which method is better: '
    '`--seeds 0 1 2 3 4` gives the paired comparison and its p-value.')


def _diff_cell(row, key):
    p = row.get(key + '_diff_p')
    return (f"{row[key + '_diff']:+.1f} +- {row[key + '_diff_std']:.1f}" +
            (f' (p {p:.2f})' if p is not None else ''))


def _baseline(method, methods_run):
    """What ``method`` is compared with: its :data:`BASELINES` entry or, when
    that did not run, the nearest one up the chain that did (a run of
    ``hexa_moco_half`` beside ``mocov2`` alone compares with ``mocov2``);
    the direct entry when none ran, to say so."""
    direct = baseline = BASELINES.get(method)
    while baseline is not None and baseline not in methods_run:
        baseline = BASELINES.get(baseline)
    return baseline or direct


def summarize(runs):
    """One row per method: means and spreads over its seeds and, for a HEXA
    method, the mean and spread of its per-seed difference to what it is
    compared with (:func:`_baseline`) on the same seeds: the paired
    comparison, which the seed's share of the noise (data order,
    initialisation) disturbs least."""
    rows = []
    methods_run = dict.fromkeys(r['method'] for r in runs)
    for method in methods_run:
        mine = [r for r in runs if r['method'] == method]
        row = dict(method=method, seeds=len(mine), epochs=mine[0]['epochs'],
                   minutes=round(statistics.fmean(r['minutes'] for r in mine),
                                 2), baseline=_baseline(method, methods_run))
        base = {r['seed']: r for r in runs if r['method'] == row['baseline']}
        paired = [r for r in mine if r['seed'] in base]
        if all('online_linear_top1' in r for r in mine):
            mean, std = _mean_std([r['online_linear_top1'] for r in mine])
            row.update(online_linear_top1=round(mean, 2),
                       online_linear_top1_std=round(std, 2))
        hardness = mean_last_epoch(mine)
        if hardness:
            row['hardness'] = hardness
        for key in ('knn_top1', 'linear_top1'):
            mean, std = _mean_std([r[key] for r in mine])
            row[key] = round(mean, 2)
            row[key + '_std'] = round(std, 2)
            if paired:
                mean, std = _mean_std(
                    [r[key] - base[r['seed']][key] for r in paired])
                row[key + '_diff'] = round(mean, 2)
                row[key + '_diff_std'] = round(std, 2)
                row[key + '_diff_p'] = _paired_p(
                    [r[key] for r in paired],
                    [base[r['seed']][key] for r in paired])
        rows.append(row)
    return rows


def markdown(rows):
    lines = [
        f'| method | epochs | seeds | minutes / run | kNN top-1 (k={KNN_K}) '
        '| linear top-1 | kNN / linear minus the baseline, same seed '
        '| online linear top-1, last epoch '
        '| last epoch: win clean / adv / mix; loss ratio adv / mix |',
        '|---|---|---|---|---|---|---|---|---|'
    ]
    for r in rows:
        if 'knn_top1_diff' in r:
            diff = f"{r['baseline']}: " + ' / '.join(
                _diff_cell(r, k) for k in ('knn_top1', 'linear_top1'))
        elif r['baseline']:
            diff = f"{r['baseline']} not run"
        else:
            diff = ''
        online = (f"{r['online_linear_top1']:.1f} +- "
                  f"{r['online_linear_top1_std']:.1f}"
                  if 'online_linear_top1' in r else '')
        lines.append(
            f"| {r['method']} | {r['epochs']} | {r['seeds']} | "
            f"{r['minutes']:.1f} | {r['knn_top1']:.1f} +- "
            f"{r['knn_top1_std']:.1f} | {r['linear_top1']:.1f} +- "
            f"{r['linear_top1_std']:.1f} | {diff} | {online} | "
            f"{hardness_cell(r)} |")
    if any(r['seeds'] == 1 and 'knn_top1_diff' in r for r in rows):
        lines += ['', ONE_SEED_NOTE]
    return '\n'.join(lines)
