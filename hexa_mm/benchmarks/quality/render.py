"""Markdown tables of a protocol's result file, and the blocks of README and
docs that are rendered from result files.

A document holds a rendered block between two markers, the result file's
path relative to the document and what to render (``scores``,
``comparisons``, ``seeds``, ``all``, or ``decision``: a selection's decision
or a report's recommendation)::

    <!-- quality: results/report.json comparisons -->
    ...
    <!-- /quality -->

:func:`render_documents` rewrites every block from its file (``--check``:
reports the blocks that differ instead), so that no table of a result is
copied by hand.
"""
import os.path as osp
import re
from typing import Dict, List, Optional

from ..report_io import write_text
from .decision import decide, decision_table
from .protocol import CORRECTION, PROBES, TEST, Protocol, ProtocolError
from .recommendation import recommend, recommendation_table
from .result_files import protocol_of, read_results
from .summary import comparisons, method_rows, missing_runs, verdicts

BLOCK = re.compile(
    r'(<!-- quality: (?P<path>\S+) '
    r'(?P<what>scores|comparisons|seeds|all|decision) -->\n)'
    r'(?P<body>.*?)(<!-- /quality -->)', re.S)
#: Under a table whose comparisons rest on one seed.
ONE_SEED_NOTE = (
    'One seed: a difference to the baseline is one draw of seed noise, and '
    'the same seed gives other figures on another machine (floating-point '
    'kernels differ). It shows that each method trains and how hard its '
    'hard examples are, not which method is better: a report protocol over '
    'several seeds does.')


def _cell(row: dict, key: str) -> str:
    if key not in row:
        return ''
    return f'{row[key]:.1f} +- {row[key + "_std"]:.1f}'


def _hardness(row: dict) -> str:
    figures = row.get('hardness') or {}
    return ' / '.join(f'{figures[k]:.2f}' if k in figures else '-'
                      for k in ('adv_ratio', 'mix_ratio')) if figures else ''


def scores_table(protocol: Protocol, runs: List[dict]) -> str:
    """Per data set and method: seeds, kNN and linear top-1 (mean +- std
    over the seeds), the online probe's, minutes a run and the hardness."""
    lines = [
        '| set | method | seeds | kNN top-1 | linear top-1 | online probe '
        '| min / run | hard / clean loss: adv / mix |',
        '|---|---|---|---|---|---|---|---|'
    ]
    for row in method_rows(protocol, runs):
        lines.append(
            f"| {row['dataset']} | {protocol.label(row['method'])} | "
            f"{row['seeds']} | {_cell(row, 'knn_top1')} | "
            f"{_cell(row, 'linear_top1')} | "
            f"{_cell(row, 'online_linear_top1')} | "
            f"{row['minutes']:.1f} | {_hardness(row)} |")
    return '\n'.join(lines)


def seeds_table(protocol: Protocol, runs: List[dict]) -> str:
    """Every run: per data set and method, the kNN / linear top-1 of each
    seed."""
    table = {(r['dataset'], r['method'], r['seed']): r for r in runs}
    seeds = [s for s in protocol.seeds
             if any(key[2] == s for key in table)]
    lines = [
        '| set | method | ' + ' | '.join(str(s) for s in seeds) + ' |',
        '|---|---|' + '---|' * len(seeds)
    ]
    for row in method_rows(protocol, runs):
        cells = []
        for seed in seeds:
            run = table.get((row['dataset'], row['method'], seed))
            cells.append('' if run is None else ' / '.join(
                f'{run[probe]:.1f}' for probe in PROBES))
        lines.append(f"| {row['dataset']} | "
                     f"{protocol.label(row['method'])} | "
                     + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def _p(p: Optional[float]) -> str:
    return '-' if p is None else f'{p:.3f}'


def comparisons_table(protocol: Protocol, runs: List[dict]) -> str:
    """Per comparison: the mean paired difference (+- std over seeds) on
    each probe with its raw and Holm-corrected p, and whether the method
    clears the bar on every probe."""
    rows = comparisons(protocol, runs)
    passed = verdicts(protocol, rows)
    by_key: Dict[tuple, Dict[str, dict]] = {}
    for row in rows:
        by_key.setdefault((row['dataset'], row['method'], row['baseline']),
                          {})[row['probe']] = row
    lines = [
        '| set | method | minus | kNN: diff (p, Holm p) | '
        'linear: diff (p, Holm p) | clears the bar |', '|---|---|---|---|---|---|'
    ]
    for (dataset, method, baseline), probes in by_key.items():
        shown = [probes.get(probe) for probe in ('knn_top1', 'linear_top1')]
        cells = [
            f"{r['diff']:+.1f} +- {r['diff_std']:.1f} ({_p(r['p'])}, "
            f"{_p(r['p_holm'])})" for r in shown if r
        ]
        lines.append(
            f'| {dataset} | {protocol.label(method)} | '
            f'{protocol.label(baseline)} | {" | ".join(cells)} | '
            f"{'yes' if passed[(dataset, method)] else 'no'} |")
    if all(r['seeds'] == 1 for r in rows) and rows:
        lines += ['', ONE_SEED_NOTE]
    return '\n'.join(lines)


def _short_commit(commit: Optional[str]) -> str:
    """A recorded commit, its hash shortened, its ``+dirty`` flag kept."""
    if not commit:
        return 'unknown'
    head, dirty, _ = commit.partition('+dirty')
    return head[:10] + dirty


def provenance(protocol: Protocol, runs: List[dict], result: str) -> str:
    """One paragraph: the protocol, its seeds, test, correction and bar,
    and the machines, dates and commits of the runs."""
    machines = sorted({f"{r['machine']['processor']}, "
                       f"{r['machine']['threads']} thread(s)"
                       for r in runs if 'machine' in r})
    dates = sorted({r['date'] for r in runs if 'date' in r})
    span = (dates[0] if len(dates) == 1 else
            f'{dates[0]} to {dates[-1]}' if dates else 'undated')
    commits = sorted({_short_commit(r.get('commit')) for r in runs})
    missing = missing_runs(protocol, runs)
    status = (f'all {len(runs)} runs' if not missing else
              f'{len(runs)} runs, {len(missing)} still to run: not a result '
              'yet')
    return (f"`{result}`: {protocol.kind} protocol `{osp.basename(protocol.path)}`, "
            f"seeds {protocol.seeds[0]}-{protocol.seeds[-1]} "
            f'({len(protocol.seeds)}), {status}; {TEST}, {CORRECTION}; the '
            f'bar: a mean gain of at least {protocol.min_gain:g} point'
            f"{'' if protocol.min_gain == 1 else 's'} at "
            f'Holm p < {protocol.alpha:g} on both probes. Measured on '
            f"{'; '.join(machines) or 'an unrecorded machine'} "
            f'({span}), '
            f"commit(s) {', '.join(commits)}.")


def _decision(protocol: Protocol, runs: List[dict], shown: str) -> str:
    if protocol.kind == 'selection':
        kind, table = 'decision', lambda: decision_table(
            protocol, decide(protocol, runs))
    elif protocol.kind == 'report' and protocol.held_out:
        kind, table = 'recommendation', lambda: recommendation_table(
            protocol, recommend(protocol, runs))
    else:
        raise ProtocolError(
            f'{protocol.path}: a decision block renders a selection\'s '
            'decision or the recommendation of a report with held-out sets; '
            f'this {protocol.kind} protocol has neither')
    missing = missing_runs(protocol, runs)
    if missing:  # the provenance is another block's: one line says why
        return (f'No {kind} yet: {len(missing)} of the '
                f'{len(runs) + len(missing)} runs of `{shown}` are still to '
                'run.')
    return table()


def render(result: str, what: str = 'all', display_path: str = None) -> str:
    """The markdown of result file ``result``: ``scores``, ``comparisons``,
    ``seeds`` (every run's scores), ``all`` (the provenance and the three
    tables) or ``decision`` (a selection's decision or a report's
    recommendation); a protocol that has not run all of it shows where it
    stands instead (``decision``: a line of how many runs are missing)."""
    protocol = protocol_of(result)
    runs = read_results(result)['runs']
    if what == 'decision':
        return _decision(protocol, runs, display_path or result) + '\n'
    head = provenance(protocol, runs, display_path or result)
    if missing_runs(protocol, runs):
        return head + '\n'
    parts = [head] if what == 'all' else []
    if what in ('scores', 'all'):
        parts.append(scores_table(protocol, runs))
    if what in ('comparisons', 'all'):
        parts.append(comparisons_table(protocol, runs))
    if what in ('seeds', 'all'):
        parts.append('Every run, kNN / linear top-1 by seed:\n\n'
                     + seeds_table(protocol, runs))
    return '\n\n'.join(parts) + '\n'


def render_documents(paths: List[str], check: bool = False) -> List[str]:
    """Rewrite every rendered block of the documents ``paths`` from its
    result file; with ``check``, write nothing. Returns the blocks (``doc:
    result what``) that differed from their rendering."""
    stale = []
    for path in paths:
        with open(path) as f:
            text = f.read()

        def fresh(match):
            result = osp.join(osp.dirname(path), match['path'])
            body = render(result, match['what'], match['path'])
            if body != match['body']:
                stale.append(f"{path}: {match['path']} {match['what']}")
            return match.group(1) + body + match.group(5)

        updated = BLOCK.sub(fresh, text)
        if not check and updated != text:
            write_text(path, updated)
    return stale
