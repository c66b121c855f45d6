"""A quality protocol: what is run and how it is judged, fixed in a file
before its runs.

A protocol file is an MMEngine config (Python) with these fields::

    kind = 'report'              # 'selection', 'report' or 'demo'
    datasets = ['digits', 'shapes', 'textures']
    held_out = ['textures']      # report: sets no selection protocol may use
    seeds = [200, 201, ...]      # the same for every method: all or none
    alpha = 0.05                 # corrected p below it, and ...
    min_gain = 1.0               # ... a mean gain of at least this, on
                                 # every probe: the bar
    random_backbone = '../configs/mocov2_r18_{dataset}.py'
    methods = dict(
        mocov2=dict(config='../configs/mocov2_r18_{dataset}.py'),
        hexa_moco=dict(config='../configs/hexa_moco_r18_{dataset}.py',
                       baseline='mocov2'),
        hexa_moco_eps8=dict(config='../configs/hexa_moco_r18_{dataset}.py',
                            cfg_options={'model.adversarial.eps': 8 / 255},
                            baseline='mocov2'),
    )
    selected_from = '../results/selection.json'
                                 # report: also run the settings that this
                                 # selection's decision sends to a report
    recommended_by = '../results/report_three_sets.json'
                                 # demo: mark the settings this report
                                 # recommends, once it is complete
    decision = '...'             # how its table picks or recommends a setting

Config paths are relative to the protocol file, ``{dataset}`` standing for
each data set; names that start with ``_`` are the file's own helpers. The
probes (kNN and linear top-1 of the frozen backbone), the test (paired,
two-sided t-test over the seeds) and the correction (Holm over every
comparison of the file) are the benchmark's own and the same for every
protocol. A report that names ``selected_from`` is written before its
selection has decided and runs what the decision names
(:func:`.decision.follow_selection`); it loads once that selection is
complete. Choosing and reporting are apart: a selection protocol's seeds
share none with a report protocol's of the same folder, and it uses no set
that a report protocol holds out.
"""
import glob
import hashlib
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from mmengine.config import Config

from hexa_mm.utils.errors import UserError

KINDS = ('selection', 'report', 'demo')
#: The scores of each run that a comparison tests, in the tables' order.
PROBES = ('knn_top1', 'linear_top1')
TEST = 'paired two-sided t-test over the seeds'
CORRECTION = 'Holm over every comparison of the protocol'
_FIELDS = {
    'kind', 'datasets', 'held_out', 'seeds', 'alpha', 'min_gain',
    'random_backbone', 'methods', 'decision', 'selected_from',
    'recommended_by'
}
_METHOD_FIELDS = {'config', 'cfg_options', 'baseline', 'label'}


class ProtocolError(UserError, ValueError):
    """A protocol file that cannot be run or reported as written."""


@dataclass
class Method:
    """One method of a protocol."""
    name: str
    config: str
    cfg_options: Dict[str, object] = field(default_factory=dict)
    baseline: Optional[str] = None
    label: Optional[str] = None

    def config_path(self, dataset: str) -> str:
        return self.config.format(dataset=dataset)

    def runs_as(self, other: 'Method') -> bool:
        """Whether this method trains as ``other`` does: the same config,
        options and baseline (its label may differ)."""
        return (self.config, self.cfg_options, self.baseline) == (
            other.config, other.cfg_options, other.baseline)


@dataclass
class Protocol:
    """A loaded, checked protocol file (see the module docstring)."""
    path: str
    sha256: str
    kind: str
    datasets: List[str]
    seeds: List[int]
    methods: Dict[str, Method]
    random_backbone: str
    alpha: float = 0.05
    min_gain: float = 1.0
    held_out: List[str] = field(default_factory=list)
    decision: Optional[str] = None
    selected_from: Optional[str] = None
    recommended_by: Optional[str] = None

    @property
    def name(self) -> str:
        """The file's stem: the name of its result file."""
        return osp.splitext(osp.basename(self.path))[0]

    def label(self, method: str) -> str:
        """How tables name ``method``: its label, else its name (also for a
        name that is not one of the protocol's methods)."""
        m = self.methods.get(method)
        return (m.label or method) if m is not None else method

    def comparisons(self) -> List[tuple]:
        """``(dataset, method, baseline, probe)`` of every comparison, in
        table order: the family that Holm's correction spans."""
        return [(dataset, m.name, m.baseline, probe)
                for dataset in self.datasets for m in self.methods.values()
                if m.baseline is not None for probe in PROBES]


def _fail(path: str, message: str) -> ProtocolError:
    return ProtocolError(f'{path}: {message}')


def _method(path: str, name: str, entry) -> Method:
    if not isinstance(entry, dict):
        raise _fail(path, f'methods.{name} must be a dict, got {entry!r}')
    unknown = set(entry) - _METHOD_FIELDS
    if unknown:
        raise _fail(path, f'methods.{name}: unknown field(s) '
                    f'{sorted(unknown)}; allowed: {sorted(_METHOD_FIELDS)}')
    if not isinstance(entry.get('config'), str):
        raise _fail(path, f'methods.{name}.config: a config path is needed')
    config = osp.normpath(osp.join(osp.dirname(path), entry['config']))
    return Method(
        name=name,
        config=config,
        cfg_options=dict(entry.get('cfg_options') or {}),
        baseline=entry.get('baseline'),
        label=entry.get('label'))


def _result_file(path: str, cfg: dict, key: str, kind: str,
                 only: str) -> Optional[str]:
    """The result file that field ``key`` names, relative to the protocol
    file; a field that only a ``kind`` protocol may have."""
    if cfg.get(key) is None:
        return None
    if cfg['kind'] != kind:
        raise _fail(path, f'{key}: {only}')
    return osp.normpath(osp.join(osp.dirname(path), cfg[key]))


def load_protocol(path: str,
                  check_siblings: bool = True,
                  follow_selection: bool = True) -> Protocol:
    """Read and check the protocol file ``path``.

    Args:
        path: The protocol file.
        check_siblings: Also check it against the other protocols of its
            folder: a selection protocol shares no seed with a report
            protocol and uses none of its held-out sets.
        follow_selection: Add the methods that the selection of
            ``selected_from`` sends to the report (which needs that
            selection complete); without it, the file's own methods only.

    Raises:
        ProtocolError: The first problem, naming the file and the field.
    """
    if not osp.isfile(path):
        raise ProtocolError(f'{path}: no such protocol file')
    with open(path, 'rb') as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    # Names that start with '_' are the file's own helpers (shared options).
    cfg = {
        k: v
        for k, v in Config.fromfile(path).to_dict().items()
        if not k.startswith('_')
    }
    unknown = set(cfg) - _FIELDS
    if unknown:
        raise _fail(path, f'unknown field(s) {sorted(unknown)}; allowed: '
                    f'{sorted(_FIELDS)}')
    for key in ('kind', 'datasets', 'seeds', 'methods', 'random_backbone'):
        if key not in cfg:
            raise _fail(path, f'{key} is missing')
    if cfg['kind'] not in KINDS:
        raise _fail(path, f"kind={cfg['kind']!r}; allowed: {KINDS}")
    seeds = list(cfg['seeds'])
    if not seeds or len(set(seeds)) != len(seeds) or not all(
            isinstance(s, int) for s in seeds):
        raise _fail(path, f'seeds={seeds!r}: distinct integers needed')
    datasets = list(cfg['datasets'])
    from hexa_mm.evaluation.probe import EMBEDDED
    for dataset in datasets:
        if dataset not in EMBEDDED:
            raise _fail(path, f'datasets: {dataset!r} is not an embedded set '
                        f'({sorted(EMBEDDED)})')
    methods = {
        name: _method(path, name, entry)
        for name, entry in cfg['methods'].items()
    }
    for m in methods.values():
        if m.baseline is not None and m.baseline not in methods:
            raise _fail(path, f'methods.{m.name}.baseline={m.baseline!r} is '
                        f'not a method of the protocol ({sorted(methods)})')
        for dataset in datasets:
            if not osp.isfile(m.config_path(dataset)):
                raise _fail(path, f'methods.{m.name}.config: '
                            f'{m.config_path(dataset)} does not exist')
    held_out = list(cfg.get('held_out', []))
    if held_out and cfg['kind'] != 'report':
        raise _fail(path, 'held_out: only a report protocol holds sets out')
    selected_from = _result_file(
        path, cfg, 'selected_from', 'report',
        "only a report protocol follows a selection's decision")
    recommended_by = _result_file(
        path, cfg, 'recommended_by', 'demo',
        "only a demo protocol marks a report's recommendation")
    protocol = Protocol(
        path=path,
        sha256=sha256,
        kind=cfg['kind'],
        datasets=datasets,
        seeds=seeds,
        methods=methods,
        random_backbone=osp.normpath(
            osp.join(osp.dirname(path), cfg['random_backbone'])),
        alpha=float(cfg.get('alpha', 0.05)),
        min_gain=float(cfg.get('min_gain', 1.0)),
        held_out=held_out,
        decision=cfg.get('decision'),
        selected_from=selected_from,
        recommended_by=recommended_by)
    if check_siblings:
        check_apart(protocol)
    if selected_from is not None and follow_selection:
        from .decision import follow_selection as follow  # imports us
        protocol = follow(protocol)
    return protocol


def check_apart(protocol: Protocol) -> None:
    """Choosing and reporting apart: across ``protocol`` and the other
    protocol files of its folder, no selection protocol shares a seed with a
    report protocol or uses a set that one holds out."""
    folder = osp.dirname(osp.abspath(protocol.path))
    others = [
        load_protocol(p, check_siblings=False, follow_selection=False)
        for p in sorted(glob.glob(osp.join(folder, '*.py')))
        if osp.abspath(p) != osp.abspath(protocol.path)
    ]
    everyone = [protocol] + others
    for selection in (p for p in everyone if p.kind == 'selection'):
        for report in (p for p in everyone if p.kind == 'report'):
            shared = sorted(set(selection.seeds) & set(report.seeds))
            if shared:
                raise ProtocolError(
                    f'{selection.path} and {report.path} share seeds '
                    f'{shared}: settings are chosen on other seeds than the '
                    'ones reported')
            used = sorted(set(selection.datasets) & set(report.held_out))
            if used:
                raise ProtocolError(
                    f'{selection.path} chooses on {used}, which '
                    f'{report.path} holds out')
