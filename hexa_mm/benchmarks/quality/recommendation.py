"""A report's recommendation, applied by code: per family, the HEXA setting
that the configs' defaults follow, or none.

The rule is the one a report protocol with held-out sets states. Per family
(the methods that share a baseline), a setting qualifies if

1. it clears the protocol's bar on every held-out set (on both probes, a
   mean gain of at least ``min_gain`` at Holm's p below ``alpha``:
   :func:`.summary.verdicts`), and
2. its mean gain is positive on both probes on every other set.

Of the settings that qualify, the one with the largest gain on the held-out
sets (averaged over them and both probes) is recommended, or the cheapest of
those within :data:`.decision.TIE` of it (:func:`.decision.best_or_cheaper`,
FLOPs of a training step as in a selection's decision). If none qualifies,
the family has no recommendation: its configs keep the paper's design as the
reference implementation and say that no setting cleared the bar on a set
that took no part in the choice.
"""
import dataclasses
import os.path as osp
import statistics
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

from .decision import best_or_cheaper, cost_ratio
from .protocol import Method, Protocol, ProtocolError
from .result_files import protocol_of, read_results
from .summary import comparisons, missing_runs, require_complete, verdicts

#: Appended to the label of a setting that the demo marks as recommended.
MARK = ' (recommended)'


def recommend(protocol: Protocol,
              runs: List[dict],
              cost: Optional[Callable[[Method, str], float]] = None
              ) -> Dict[str, dict]:
    """Apply the rule of the module docstring to a complete report.

    Args:
        protocol: A report protocol that holds sets out.
        runs: All of its runs.
        cost: ``(method, dataset) -> cost`` of a training step; FLOPs by
            :func:`.decision.step_flops` if not given.

    Returns:
        dict: Per baseline: ``candidates`` (per setting: ``clears_held_out``,
        ``positive_elsewhere``, ``qualifies``, ``held_out_gain`` and
        ``cost`` relative to the baseline) and ``recommended`` (a setting's
        name, or None).

    Raises:
        ProtocolError: Not a report with held-out sets, or runs missing.
    """
    if protocol.kind != 'report' or not protocol.held_out:
        raise ProtocolError(
            f'{protocol.path}: only a report protocol with held-out sets '
            'recommends a setting; without them, a report measures settings '
            'only on sets that took part in their choice')
    require_complete(protocol, runs)
    rows = comparisons(protocol, runs)
    passed = verdicts(protocol, rows)
    cost_of = cost_ratio(protocol, cost)
    families: Dict[str, dict] = {}
    for name, method in protocol.methods.items():
        if method.baseline is None:
            continue
        mine = [r for r in rows if r['method'] == name]
        held = [r['diff'] for r in mine if r['dataset'] in protocol.held_out]
        clears = all(passed[d, name] for d in protocol.held_out)
        elsewhere = all(r['diff'] > 0 for r in mine
                        if r['dataset'] not in protocol.held_out)
        families.setdefault(method.baseline, dict(candidates={}))[
            'candidates'][name] = dict(
                clears_held_out=clears, positive_elsewhere=elsewhere,
                qualifies=clears and elsewhere,
                held_out_gain=statistics.fmean(held))
    for family in families.values():
        qualified = {
            name: dict(gain=c['held_out_gain'],
                       cost=cost_of(protocol.methods[name]))
            for name, c in family['candidates'].items() if c['qualifies']
        }
        for name, c in qualified.items():
            family['candidates'][name]['cost'] = c['cost']
        family['recommended'] = (best_or_cheaper(qualified)
                                 if qualified else None)
    return families


class ReportOutcome(NamedTuple):
    """Where a committed report stands: its protocol, how many of its runs
    are in the file and how many are missing, and, once none is missing,
    :func:`recommend`'s families (None before)."""
    protocol: Protocol
    runs: int
    missing: int
    families: Optional[Dict[str, dict]]


def report_outcome(path: str,
                   cost: Optional[Callable[[Method, str], float]] = None
                   ) -> ReportOutcome:
    """Read the report result file at ``path`` and apply the rule of the
    module docstring if the report is complete: a report recommends only
    once every one of its runs is in."""
    report = protocol_of(path)
    runs = read_results(path)['runs']
    missing = missing_runs(report, runs)
    return ReportOutcome(report, len(runs), len(missing),
                         None if missing else recommend(report, runs, cost))


def recommendation_table(protocol: Protocol, families: Dict[str, dict]) -> str:
    """The recommendation as markdown: each setting against the rule, and
    what each family's configs follow."""
    held = ', '.join(protocol.held_out)
    lines = [
        f'| baseline | setting | clears the bar on {held} | mean gain on '
        f'{held} | gain > 0 on both probes on the other sets | '
        'FLOPs / baseline | recommended |', '|---|---|---|---|---|---|---|'
    ]
    for baseline, family in families.items():
        for name, c in family['candidates'].items():
            cost = f"{c['cost']:.2f}x" if 'cost' in c else '-'
            lines.append(
                f"| {protocol.label(baseline)} | {protocol.label(name)} | "
                f"{'yes' if c['clears_held_out'] else 'no'} | "
                f"{c['held_out_gain']:+.2f} | "
                f"{'yes' if c['positive_elsewhere'] else 'no'} | {cost} | "
                f"{'yes' if name == family['recommended'] else 'no'} |")
    lines.append('')
    for baseline, family in families.items():
        chosen = family['recommended']
        lines.append(f'- {protocol.label(baseline)}: ' + (
            f'{protocol.label(chosen)} is recommended.' if chosen else
            'no setting qualifies; the configs keep the paper\'s design as '
            'the reference implementation.'))
    return '\n'.join(lines)


def mark_recommended(demo: Protocol,
                     cost: Optional[Callable[[Method, str], float]] = None
                     ) -> Tuple[Protocol, str]:
    """The settings that the report of ``demo.recommended_by`` recommends,
    marked among the demo's methods.

    Returns:
        tuple: ``demo`` with :data:`MARK` after each recommended setting's
        label, and a paragraph that names them, or says why none is marked
        (the report has not run all of its runs yet, or recommends nothing).

    Raises:
        ProtocolError: The report recommends a setting that the demo does
            not run as the report defines it.
    """
    path = demo.recommended_by
    shown = osp.relpath(path)
    if not osp.exists(path):
        return demo, (f'No setting is marked as recommended: the report '
                      f'`{shown}` has no runs yet.')
    report, runs, missing, families = report_outcome(path, cost)
    if families is None:
        return demo, (
            f'No setting is marked as recommended: the report `{shown}` has '
            f'{runs} of its {runs + missing} runs, and a report recommends '
            'only once it is complete.')
    methods = dict(demo.methods)
    lines = []
    for baseline, family in families.items():
        name = family['recommended']
        family_label = report.label(baseline)
        if name is None:
            lines.append(f'{family_label}: `{shown}` recommends no setting; '
                         "the configs keep the paper's design.")
            continue
        ours, theirs = methods.get(name), report.methods[name]
        if ours is None or not ours.runs_as(theirs):
            raise ProtocolError(
                f'{demo.path}: {shown} recommends {name}, which the demo '
                + ('does not run' if ours is None else 'defines otherwise')
                + '; run it as the report defines it')
        methods[name] = dataclasses.replace(
            ours, label=demo.label(name) + MARK)
        lines.append(f'{family_label}: `{shown}` recommends '
                     f'{demo.label(name)}, marked{MARK} in the tables.')
    return dataclasses.replace(demo, methods=methods), ' '.join(lines)
