"""What a protocol's runs say: per data set and method, means and spreads
over the seeds; per comparison, the paired difference to the baseline, its
raw and Holm-corrected p, and whether it clears the protocol's bar."""
import statistics
from typing import Dict, List, Tuple

from .hardness import mean_last_epoch
from .protocol import PROBES, Protocol, ProtocolError
from .result_files import run_key
from .runs import RANDOM
from .stats import holm, paired_p


def _mean_std(values):
    mean = statistics.fmean(values)
    return mean, (statistics.pstdev(values) if len(values) > 1 else 0.)


def _by_key(runs: List[dict]) -> Dict[Tuple[str, str], Dict[int, dict]]:
    table: Dict[Tuple[str, str], Dict[int, dict]] = {}
    for run in runs:
        table.setdefault((run['dataset'], run['method']), {})[run['seed']] = run
    return table


def missing_runs(protocol: Protocol, runs: List[dict]) -> List[tuple]:
    """``(method, dataset, seed)`` of every run the protocol asks for that
    ``runs`` lacks (the random backbones included)."""
    have = {run_key(r) for r in runs}
    names = list(protocol.methods) + list(RANDOM)
    return [(m, d, s) for s in protocol.seeds for d in protocol.datasets
            for m in names if (m, d, s) not in have]


def minutes_left(protocol: Protocol,
                 runs: List[dict]) -> Tuple[float, List[tuple]]:
    """What the missing runs of ``protocol`` will cost, at the mean minutes
    of the runs of the same method on the same set that ``runs`` hold:
    ``(minutes, missing runs with no such run to go by)``."""
    table = _by_key(runs)
    total, unknown = 0., []
    for method, dataset, seed in missing_runs(protocol, runs):
        done = table.get((dataset, method))
        if done:
            total += statistics.fmean(r['minutes'] for r in done.values())
        else:
            unknown.append((method, dataset, seed))
    return total, unknown


def method_rows(protocol: Protocol, runs: List[dict]) -> List[dict]:
    """One row per data set and method (random backbones first): seeds,
    mean and std of each probe and of the online probe, minutes a run, the
    hardness figures of the last epoch."""
    table = _by_key(runs)
    rows = []
    for dataset in protocol.datasets:
        for method in list(RANDOM) + list(protocol.methods):
            mine = list(table.get((dataset, method), {}).values())
            if not mine:
                continue
            row = dict(dataset=dataset, method=method, seeds=len(mine),
                       minutes=round(statistics.fmean(
                           r['minutes'] for r in mine), 2))
            for key in PROBES + ('online_linear_top1', ):
                if all(key in r for r in mine):
                    mean, std = _mean_std([r[key] for r in mine])
                    row[key], row[key + '_std'] = round(mean, 2), round(std, 2)
            hardness = mean_last_epoch(mine)
            if hardness:
                row['hardness'] = hardness
            rows.append(row)
    return rows


def comparisons(protocol: Protocol, runs: List[dict]) -> List[dict]:
    """Every comparison of the protocol (:meth:`Protocol.comparisons`) that
    ``runs`` hold both sides of: the mean and std of the per-seed
    differences, the raw p of the paired test, Holm's p over every
    comparison of the protocol (those not yet run count as undefined), and
    whether it clears the bar (mean gain >= ``min_gain`` and Holm's p <
    ``alpha``; :func:`verdicts` asks it of every probe).

    Raises:
        ProtocolError: A method and its baseline ran on different seeds: a
            paired test needs the same seeds for both.
    """
    table = _by_key(runs)
    found = []
    for dataset, method, baseline, probe in protocol.comparisons():
        mine = table.get((dataset, method), {})
        theirs = table.get((dataset, baseline), {})
        if not mine or not theirs:
            found.append(None)
            continue
        if set(mine) != set(theirs):
            raise ProtocolError(
                f'{protocol.path}: on {dataset}, {method} ran seeds '
                f'{sorted(mine)} and {baseline} seeds {sorted(theirs)}: a '
                'paired comparison needs the same seeds for both')
        seeds = sorted(mine)
        values = [mine[s][probe] for s in seeds]
        bases = [theirs[s][probe] for s in seeds]
        diff, diff_std = _mean_std([v - b for v, b in zip(values, bases)])
        found.append(
            dict(dataset=dataset, method=method, baseline=baseline,
                 probe=probe, seeds=len(seeds), diff=round(diff, 2),
                 diff_std=round(diff_std, 2), p=paired_p(values, bases)))
    adjusted = holm([c['p'] if c else None for c in found])
    rows = []
    for row, p_holm in zip(found, adjusted):
        if row is None:
            continue
        row['p_holm'] = p_holm
        row['clears'] = bool(p_holm is not None and p_holm < protocol.alpha
                             and row['diff'] >= protocol.min_gain)
        rows.append(row)
    return rows


def verdicts(protocol: Protocol, rows: List[dict]) -> Dict[tuple, bool]:
    """``(dataset, method) -> bool``: the method clears the bar on every
    probe against its baseline on that set."""
    result: Dict[tuple, bool] = {}
    for row in rows:
        key = (row['dataset'], row['method'])
        result[key] = result.get(key, True) and row['clears']
    return result


def require_complete(protocol: Protocol, runs: List[dict]) -> None:
    """Refuse to report a protocol that did not run all of it.

    Raises:
        ProtocolError: Naming the first missing runs.
    """
    missing = missing_runs(protocol, runs)
    if missing:
        shown = ', '.join(f'{m} on {d}, seed {s}' for m, d, s in missing[:5])
        raise ProtocolError(
            f'{protocol.path}: {len(missing)} run(s) of the protocol are '
            f'missing ({shown}{", ..." if len(missing) > 5 else ""}); a '
            'protocol is reported once all of it has run')
