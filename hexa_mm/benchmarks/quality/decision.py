"""A selection protocol's decision, applied by code rather than by eye:
which HEXA settings go to the report.

The rule is the one ``protocols/selection.py`` states. Per family (the
candidates that share a baseline):

1. a candidate's gain is its mean paired difference to the baseline,
   averaged over both probes (kNN and linear top-1) and every set of the
   protocol;
2. the candidates within ``TIE`` (0.5 point) of the largest gain count as
   equal, and of those the cheapest goes on: its cost is its training step's
   FLOPs over the baseline's (:func:`step_flops`), averaged over the sets;
3. it goes to the report if its gain, averaged over both probes, is positive
   on each set;
4. the report runs the paper's design (both kinds of hard example added to
   the clean views, :func:`is_papers_design`) in any case, and the candidate
   of step 3 if there is one.
"""
import dataclasses
import hashlib
import json
import os.path as osp
import statistics
from typing import Callable, Dict, List, Optional

from mmengine.config import Config
from mmengine.registry import DefaultScope

from hexa_mm.utils.errors import UserError
from ..speed import TrainStep
from .protocol import Method, Protocol, ProtocolError
from .result_files import protocol_of, read_results
from .summary import comparisons, require_complete

#: Gains (points) closer than this count as equal: the cheaper goes on.
TIE = 0.5
#: FLOPs of a training step by (resolved model, batch size, view sizes).
_FLOPS: Dict[tuple, float] = {}


def _config(method: Method, dataset: str) -> Config:
    cfg = Config.fromfile(method.config_path(dataset))
    cfg.merge_from_dict(dict(method.cfg_options))
    return cfg


def is_papers_design(model: dict) -> bool:
    """Both kinds of hard example, added to the clean views with a weight
    each: the design of the paper (its attack values are ours)."""
    return (model.get('adversarial') is not None
            and model.get('cutmix') is not None
            and model.get('w_adv', 1.) > 0 and model.get('w_mix', 1.) > 0
            and model.get('mix_mode', 'add') == 'add')


def step_flops(method: Method, dataset: str) -> float:
    """FLOPs of one training step of ``method``'s config on ``dataset``: its
    batch size and its views (number and size, from the training pipeline's
    ``MultiView``), synthetic pixels, PyTorch's default init."""
    cfg = _config(method, dataset)
    views, = [t for t in cfg.train_dataloader.dataset.pipeline
              if t['type'] == 'MultiView']
    counts = views.num_views if isinstance(views.num_views, list) else [
        views.num_views]
    sizes = [size for count, group in zip(counts, views.transforms)
             for size in [group[0]['size']] * count]
    model, batch = cfg.model.to_dict(), cfg.train_dataloader.batch_size
    # Counted once a process for each resolved model, batch and views: a
    # render decides a selection for each of its blocks.
    key = (json.dumps(model, sort_keys=True, default=repr), batch,
           tuple(sizes))
    if key not in _FLOPS:
        with DefaultScope.overwrite_default_scope('mmselfsup'):
            _FLOPS[key] = float(
                TrainStep(model, batch, sizes, len(sizes), 'cpu').flops())
    return _FLOPS[key]


def cost_ratio(protocol: Protocol,
               cost: Optional[Callable[[Method, str], float]] = None
               ) -> Callable[[Method], float]:
    """``method -> `` the cost of its training step over its baseline's,
    averaged over the protocol's sets; ``cost(method, dataset)`` is a step's
    cost, FLOPs by :func:`step_flops` if not given."""
    costs: Dict[tuple, float] = {}

    def of(method: Method, dataset: str) -> float:
        if (method.name, dataset) not in costs:
            costs[method.name, dataset] = (cost or step_flops)(method, dataset)
        return costs[method.name, dataset]

    def ratio(method: Method) -> float:
        baseline = protocol.methods[method.baseline]
        return statistics.fmean(of(method, d) / of(baseline, d)
                                for d in protocol.datasets)

    return ratio


def best_or_cheaper(candidates: Dict[str, dict]) -> str:
    """Of ``candidates`` (name -> ``gain`` and ``cost``), the one with the
    largest gain, or the cheapest of those within :data:`TIE` of it."""
    best = max(c['gain'] for c in candidates.values())
    tied = [n for n, c in candidates.items() if c['gain'] >= best - TIE]
    return min(tied, key=lambda n: (candidates[n]['cost'],
                                    -candidates[n]['gain']))


def decide(protocol: Protocol,
           runs: List[dict],
           cost: Optional[Callable[[Method, str], float]] = None
           ) -> Dict[str, dict]:
    """Apply the rule of the module docstring to a complete selection.

    Args:
        protocol: A selection protocol.
        runs: All of its runs.
        cost: ``(method, dataset) -> cost`` of a training step; FLOPs by
            :func:`step_flops` if not given. Only ratios to the baseline's
            matter.

    Returns:
        dict: Per baseline: ``candidates`` (per candidate: ``gain``,
        ``gain_by_set``, ``cost`` relative to the baseline, ``papers_design``),
        ``chosen`` (the candidate of step 3, or None) and ``report`` (the
        methods the report runs for this family, the baseline first).

    Raises:
        ProtocolError: Not a selection protocol, runs missing, or a family
            without the paper's design among its candidates.
    """
    if protocol.kind != 'selection':
        raise ProtocolError(f'{protocol.path}: a {protocol.kind} protocol '
                            'decides nothing; only a selection protocol does')
    require_complete(protocol, runs)
    cost_of = cost_ratio(protocol, cost)
    diffs: Dict[str, Dict[str, List[float]]] = {}
    for row in comparisons(protocol, runs):  # one row a set and probe
        diffs.setdefault(row['method'], {}).setdefault(
            row['dataset'], []).append(row['diff'])
    families: Dict[str, dict] = {}
    for name, method in protocol.methods.items():
        if method.baseline is None:
            continue
        by_set = {d: statistics.fmean(v) for d, v in diffs[name].items()}
        families.setdefault(method.baseline, dict(candidates={}))[
            'candidates'][name] = dict(
                gain=statistics.fmean(by_set.values()), gain_by_set=by_set,
                cost=cost_of(method),
                papers_design=is_papers_design(
                    _config(method, protocol.datasets[0]).model.to_dict()))
    for baseline, family in families.items():
        candidates = family['candidates']
        papers = [n for n, c in candidates.items() if c['papers_design']]
        if not papers:
            raise ProtocolError(
                f'{protocol.path}: no candidate against {baseline} is the '
                "paper's design (both kinds of hard example, added)")
        cheapest = best_or_cheaper(candidates)
        chosen = cheapest if all(
            g > 0 for g in candidates[cheapest]['gain_by_set'].values()) \
            else None
        family['chosen'] = chosen
        family['report'] = [baseline, papers[0]] + (
            [chosen] if chosen and chosen != papers[0] else [])
    return families


#: Decisions by (selection result file, sha256 of its content).
_DECISIONS: Dict[tuple, tuple] = {}


def _decision_of(source: str) -> tuple:
    """``(protocol, decision)`` of the selection result file ``source``,
    decided once a process for each content of the file: a report is loaded
    by every command, and :func:`decide` builds each candidate's model to
    count its FLOPs."""
    try:
        with open(source, 'rb') as f:
            key = (osp.abspath(source), hashlib.sha256(f.read()).hexdigest())
    except FileNotFoundError:
        raise UserError(f'{source}: no such result file') from None
    if key not in _DECISIONS:
        selection = protocol_of(source)
        _DECISIONS[key] = (selection,
                           decide(selection, read_results(source)['runs']))
    return _DECISIONS[key]


def follow_selection(report: Protocol) -> Protocol:
    """``report`` with the settings that its selection's decision sends to a
    report (``selected_from``: the selection's result file) added to its
    methods, as the selection defines them.

    The report's hash then covers those settings too, so that a report
    whose selection decided otherwise after its runs began is refused, as an
    edited protocol file is.

    Raises:
        ProtocolError: The selection is not complete, or defines a method of
            the report otherwise, or sends one whose baseline the report
            does not run.
    """
    source = report.selected_from
    try:
        selection, families = _decision_of(source)
    except UserError as error:
        raise ProtocolError(f'{report.path}: selected_from: {error}') from None
    methods = dict(report.methods)
    for name in (n for family in families.values() for n in family['report']):
        theirs = selection.methods[name]
        ours = methods.setdefault(name, theirs)
        if not ours.runs_as(theirs):
            raise ProtocolError(
                f'{report.path}: methods.{name} differs from the method of '
                f'that name in {selection.path}, whose decision it follows')
        if ours.baseline is not None and ours.baseline not in methods:
            raise ProtocolError(
                f'{report.path}: {selection.path} sends {name}, whose '
                f'baseline {ours.baseline} is not a method of the report')
    folder = osp.dirname(report.path)
    added = {name: [osp.relpath(m.config, folder), m.cfg_options, m.baseline]
             for name, m in methods.items() if name not in report.methods}
    digest = hashlib.sha256(
        (report.sha256 + json.dumps(added, sort_keys=True)).encode())
    return dataclasses.replace(report, methods=methods,
                               sha256=digest.hexdigest())


def decision_table(protocol: Protocol, families: Dict[str, dict]) -> str:
    """The decision as markdown: each candidate's gains and cost, and what
    the report runs."""
    lines = [
        '| baseline | candidate | ' +
        ' | '.join(f'gain on {d}' for d in protocol.datasets) +
        ' | mean gain | FLOPs / baseline | goes to the report |',
        '|---|---|' + '---|' * (len(protocol.datasets) + 3)
    ]
    for baseline, family in families.items():
        for name, c in family['candidates'].items():
            lines.append(
                f'| {protocol.label(baseline)} | {protocol.label(name)} | ' +
                ' | '.join(f"{c['gain_by_set'][d]:+.2f}"
                           for d in protocol.datasets) +
                f" | {c['gain']:+.2f} | {c['cost']:.2f}x | "
                f"{'yes' if name in family['report'] else 'no'} |")
    return '\n'.join(lines)
