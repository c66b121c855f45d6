"""A selection's decision applied by code: the largest mean gain over both
probes and every set, ties within half a point to the cheaper candidate, a
gain that must be positive on each set, and the paper's design always in the
report."""
import os.path as osp

import pytest

from hexa_mm.benchmarks.quality import ProtocolError, load_protocol
from hexa_mm.benchmarks.quality.decision import (decide, decision_table,
                                                 is_papers_design, step_flops)
from protocol_files import moco_methods, write_protocol
from tool_runs import CONFIGS, ROOT

RANDOM = ('random init', 'random init (PyTorch default)')
SETS = ('digits', 'shapes')
#: FLOPs of a step over the baseline's, as the selection's candidates cost.
COST = dict(mocov2=1., hexa_moco=2.5, hexa_moco_cutmix=1.75,
            hexa_moco_in_place=1.)


def selection(tmp_path):
    in_place = ("{'model.w_clean': 1., 'model.w_adv': 0., 'model.w_mix': 1.,"
                " 'model.mix_mode': 'replace'}")
    return load_protocol(write_protocol(
        tmp_path, name='selection', kind='selection', seeds=(0, 1, 2),
        datasets=SETS, methods=moco_methods(cutmix=True, in_place=in_place)),
        check_siblings=False)


def runs_with(gains):
    """Runs whose paired difference to MoCo-v2 is ``gains[method][set]`` on
    both probes, at every seed (seed noise of +-1 around it)."""
    runs = []
    for seed, noise in enumerate((-1., 0., 1.)):
        for dataset in SETS:
            base = 80. + 3 * noise
            scores = dict(mocov2=base, **{r: 50. for r in RANDOM})
            for method, by_set in gains.items():
                scores[method] = base + by_set[dataset] + noise
            runs += [dict(method=m, dataset=dataset, seed=seed, epochs=1,
                          minutes=1., knn_top1=s, linear_top1=s + 10)
                     for m, s in scores.items()]
    return runs


def decided(tmp_path, gains):
    family = decide(selection(tmp_path), runs_with(gains),
                    cost=lambda method, dataset: COST[method.name])['mocov2']
    return family['chosen'], family['report']


def test_the_largest_gain_on_every_set_goes_to_the_report(tmp_path):
    chosen, report = decided(tmp_path, dict(
        hexa_moco=dict(digits=-1., shapes=0.5),
        hexa_moco_cutmix=dict(digits=3., shapes=2.),
        hexa_moco_in_place=dict(digits=1., shapes=1.)))
    assert chosen == 'hexa_moco_cutmix'
    assert report == ['mocov2', 'hexa_moco', 'hexa_moco_cutmix']


def test_of_gains_within_half_a_point_the_cheaper_goes(tmp_path):
    chosen, _ = decided(tmp_path, dict(
        hexa_moco=dict(digits=-1., shapes=0.5),
        hexa_moco_cutmix=dict(digits=2.5, shapes=2.),
        hexa_moco_in_place=dict(digits=2.2, shapes=1.9)))
    assert chosen == 'hexa_moco_in_place'  # 2.05 against 2.25, at 1.0x
    chosen, _ = decided(tmp_path, dict(
        hexa_moco=dict(digits=-1., shapes=0.5),
        hexa_moco_cutmix=dict(digits=2.5, shapes=2.),
        hexa_moco_in_place=dict(digits=1.8, shapes=1.5)))
    assert chosen == 'hexa_moco_cutmix'  # 1.65 is more than 0.5 below


def test_a_gain_that_is_not_positive_on_each_set_goes_nowhere(tmp_path):
    chosen, report = decided(tmp_path, dict(
        hexa_moco=dict(digits=-1., shapes=0.5),
        hexa_moco_cutmix=dict(digits=5., shapes=-0.2),
        hexa_moco_in_place=dict(digits=1., shapes=1.)))
    assert chosen is None
    assert report == ['mocov2', 'hexa_moco']


def test_the_papers_design_is_reported_once_when_it_wins(tmp_path):
    chosen, report = decided(tmp_path, dict(
        hexa_moco=dict(digits=3., shapes=3.),
        hexa_moco_cutmix=dict(digits=1., shapes=1.),
        hexa_moco_in_place=dict(digits=-1., shapes=1.)))
    assert chosen == 'hexa_moco'
    assert report == ['mocov2', 'hexa_moco']


def test_the_table_shows_every_candidate(tmp_path):
    protocol = selection(tmp_path)
    families = decide(protocol, runs_with(dict(
        hexa_moco=dict(digits=-1., shapes=0.5),
        hexa_moco_cutmix=dict(digits=3., shapes=2.),
        hexa_moco_in_place=dict(digits=1., shapes=1.))),
        cost=lambda method, dataset: COST[method.name])
    table = decision_table(protocol, families)
    assert ('| mocov2 | hexa_moco_cutmix | +3.00 | +2.00 | +2.50 | 1.75x '
            '| yes |') in table
    assert '| mocov2 | hexa_moco_in_place | +1.00 | +1.00 | +1.00 | 1.00x '\
        '| no |' in table


def test_only_a_complete_selection_decides(tmp_path):
    runs = runs_with(dict(
        hexa_moco=dict(digits=1., shapes=1.),
        hexa_moco_cutmix=dict(digits=1., shapes=1.),
        hexa_moco_in_place=dict(digits=1., shapes=1.)))
    with pytest.raises(ProtocolError, match=r'1 run\(s\) .* missing'):
        decide(selection(tmp_path), runs[1:], cost=lambda m, d: 1.)
    (tmp_path / 'report').mkdir()
    report = load_protocol(write_protocol(tmp_path / 'report'))
    with pytest.raises(ProtocolError, match='only a selection protocol'):
        decide(report, [], cost=lambda m, d: 1.)


def test_the_shipped_selections_candidates_are_told_apart():
    """On the shipped selection protocol: which candidate is the paper's
    design, and what each costs by the FLOPs of its config's training step
    (in place: the baseline's; cut-mix only: 1.75x for MoCo)."""
    protocol = load_protocol(osp.join(ROOT, 'protocols', 'selection.py'))
    methods = protocol.methods
    papers = [n for n, m in methods.items()
              if m.baseline and is_papers_design(_model(m))]
    assert papers == ['hexa_moco', 'hexa_dcluster']
    base = step_flops(methods['mocov2'], 'digits')
    ratio = {n: step_flops(methods[n], 'digits') / base
             for n in ('hexa_moco', 'hexa_moco_cutmix', 'hexa_moco_in_place')}
    assert ratio['hexa_moco_in_place'] == pytest.approx(1., abs=0.01)
    assert ratio['hexa_moco_cutmix'] == pytest.approx(1.75, abs=0.02)
    assert ratio['hexa_moco'] > ratio['hexa_moco_cutmix']


def test_a_steps_flops_are_counted_once_a_process(monkeypatch):
    from hexa_mm.benchmarks.quality import decision
    built = []

    class Counted(decision.TrainStep):

        def __init__(self, *args):
            built.append(args)
            super().__init__(*args)

    monkeypatch.setattr(decision, 'TrainStep', Counted)
    monkeypatch.setattr(decision, '_FLOPS', {})
    methods = load_protocol(osp.join(ROOT, 'protocols',
                                     'selection.py')).methods
    first = step_flops(methods['hexa_moco_in_place'], 'digits')
    assert step_flops(methods['hexa_moco_in_place'], 'digits') == first
    assert len(built) == 1
    assert step_flops(methods['hexa_moco'], 'digits') > first
    assert len(built) == 2


def _model(method):
    from hexa_mm.benchmarks.quality.decision import _config
    return _config(method, 'digits').model.to_dict()


def test_the_tool_decides_at_the_configs_own_flops(tmp_path, capsys):
    """``quality.py decide``: in-place cut-mix ties with cut-mix only
    (within half a point) and costs the baseline's FLOPs, so it goes."""
    from hexa_mm.benchmarks.quality import main
    from hexa_mm.benchmarks.quality.result_files import add_runs
    protocol = selection(tmp_path)
    add_runs(protocol, str(tmp_path / 'results'), runs_with(dict(
        hexa_moco=dict(digits=-1., shapes=0.5),
        hexa_moco_cutmix=dict(digits=2.5, shapes=2.),
        hexa_moco_in_place=dict(digits=2.2, shapes=1.9))))
    main(['decide', str(tmp_path / 'results' / 'selection.json')])
    printed = capsys.readouterr().out
    assert '| mocov2 | hexa_moco_in_place | +2.20 | +1.90 | +2.05 | 1.00x' \
        in printed
    assert 'The report runs: mocov2, hexa_moco, hexa_moco_in_place' in printed


def report_following(tmp_path, gains=None, methods=None):
    """A report protocol beside :func:`selection`'s, following its decision
    (``results/selection.json``, written from ``gains`` when given)."""
    if gains is not None:
        from hexa_mm.benchmarks.quality.result_files import add_runs
        add_runs(selection(tmp_path), str(tmp_path / 'results'),
                 runs_with(gains))
    return write_protocol(tmp_path, seeds=(10, 11), methods=methods,
                          extra="selected_from = 'results/selection.json'\n")


@pytest.fixture
def flops_by_name(monkeypatch):
    monkeypatch.setattr('hexa_mm.benchmarks.quality.decision.step_flops',
                        lambda method, dataset: COST[method.name])


def test_a_report_runs_what_its_selection_decided(tmp_path, flops_by_name):
    path = report_following(tmp_path, dict(
        hexa_moco=dict(digits=-1., shapes=0.5),
        hexa_moco_cutmix=dict(digits=2.5, shapes=2.),
        hexa_moco_in_place=dict(digits=2.2, shapes=1.9)))
    report = load_protocol(path)
    assert list(report.methods) == ['mocov2', 'hexa_moco',
                                    'hexa_moco_in_place']
    chosen = report.methods['hexa_moco_in_place']
    assert chosen.baseline == 'mocov2'
    assert chosen.cfg_options['model.mix_mode'] == 'replace'
    assert chosen.config_path('digits').endswith('hexa_moco_r18_digits.py')
    # Its hash covers what it follows: had the selection decided otherwise,
    # the runs of the report would be refused as those of an edited file.
    assert report.sha256 != load_protocol(
        path, follow_selection=False).sha256
    report_following(tmp_path, dict(
        hexa_moco=dict(digits=-1., shapes=0.5),
        hexa_moco_cutmix=dict(digits=3.5, shapes=2.),
        hexa_moco_in_place=dict(digits=2.2, shapes=1.9)))
    other = load_protocol(path)
    assert 'hexa_moco_cutmix' in other.methods
    assert other.sha256 != report.sha256


def test_a_selection_is_decided_once_for_each_content(tmp_path,
                                                      flops_by_name,
                                                      monkeypatch):
    """Loading a following report twice decides once; a changed
    selection file is decided again."""
    from hexa_mm.benchmarks.quality import decision
    calls = []
    monkeypatch.setattr(decision, 'decide', lambda *args: calls.append(
        args) or decide(*args))
    gains = dict(hexa_moco=dict(digits=-1., shapes=0.5),
                 hexa_moco_cutmix=dict(digits=2.5, shapes=2.),
                 hexa_moco_in_place=dict(digits=2.2, shapes=1.9))
    path = report_following(tmp_path, gains)
    first = load_protocol(path)
    assert load_protocol(path).methods == first.methods and len(calls) == 1
    gains['hexa_moco_cutmix']['digits'] = 3.5
    report_following(tmp_path, gains)
    assert 'hexa_moco_cutmix' in load_protocol(path).methods
    assert len(calls) == 2


def test_a_report_waits_for_its_selection(tmp_path, flops_by_name):
    from hexa_mm.benchmarks.quality.result_files import add_runs
    path = report_following(tmp_path)
    add_runs(selection(tmp_path), str(tmp_path / 'results'), runs_with(dict(
        hexa_moco=dict(digits=1., shapes=1.),
        hexa_moco_cutmix=dict(digits=1., shapes=1.),
        hexa_moco_in_place=dict(digits=1., shapes=1.)))[1:])
    with pytest.raises(ProtocolError,
                       match=r'report.py: selected_from: .*1 run\(s\)'):
        load_protocol(path)
    # The selection itself, checked against the report, still loads.
    assert load_protocol(str(tmp_path / 'selection.py')).kind == 'selection'


def test_a_report_defining_a_selected_method_otherwise_is_refused(
        tmp_path, flops_by_name):
    path = report_following(tmp_path, dict(
        hexa_moco=dict(digits=-1., shapes=0.5),
        hexa_moco_cutmix=dict(digits=2.5, shapes=2.),
        hexa_moco_in_place=dict(digits=2.2, shapes=1.9)), methods=(
        f"dict(mocov2=dict(config='{CONFIGS}/mocov2_r18_{{dataset}}.py'),\n"
        "     hexa_moco_in_place=dict(\n"
        f"         config='{CONFIGS}/hexa_moco_r18_{{dataset}}.py',\n"
        "         cfg_options={'model.mix_mode': 'add'}, baseline='mocov2'))"))
    with pytest.raises(ProtocolError, match='methods.hexa_moco_in_place '
                       'differs from the method of that name'):
        load_protocol(path)


def test_a_following_report_runs_its_selected_setting_from_a_clean_commit(
        tmp_path, flops_by_name, monkeypatch):
    """The report runs the setting its selection sent, and its runs' commit
    is not marked ``+dirty`` because the selection's result file was
    completed after the commit (the report's hash covers that file's
    decision) or because another worker drew the report's plot."""
    import subprocess
    from hexa_mm.benchmarks.quality import run_protocol
    from hexa_mm.benchmarks.quality import runs as runs_module
    from hexa_mm.benchmarks.quality.result_files import add_runs, commit
    gains = dict(hexa_moco=dict(digits=-1., shapes=0.5),
                 hexa_moco_cutmix=dict(digits=2.5, shapes=2.),
                 hexa_moco_in_place=dict(digits=2.2, shapes=1.9))
    out = str(tmp_path / 'results')
    add_runs(selection(tmp_path), out, runs_with(gains)[1:])
    path = report_following(tmp_path)
    # Claims, locks and checkpoints are ignored, as the project's
    # .gitignore does.
    (tmp_path / '.gitignore').write_text('*.lock\n.*.running/\nwork/\n')
    for args in (['init', '-q'], ['add', '.'], ['commit', '-qm', 'first']):
        subprocess.run(['git', '-c', 'user.name=t', '-c', 'user.email=t@t',
                        *args], cwd=tmp_path, check=True)
    add_runs(selection(tmp_path), out, runs_with(gains)[:1])
    # Another worker, done first, drew the report's plot.
    (tmp_path / 'results' / 'report_digits.png').write_bytes(b'png')

    def fake(name, dataset, seed):
        return dict(method=name, dataset=dataset, seed=seed, epochs=1,
                    minutes=0., knn_top1=50., linear_top1=60.)

    monkeypatch.setattr(runs_module, 'pretrain',
                        lambda method, dataset, seed, *a: fake(
                            method.name, dataset, seed))
    monkeypatch.setattr(runs_module, 'random_backbones',
                        lambda protocol, dataset, seed, *a: [
                            fake(n, dataset, seed) for n in RANDOM])
    runs = run_protocol(load_protocol(path), out, str(tmp_path / 'work'))
    assert {r['method'] for r in runs} == {
        'mocov2', 'hexa_moco', 'hexa_moco_in_place', *RANDOM}
    assert {r['commit'] for r in runs} == {commit(str(tmp_path))[:40]}
