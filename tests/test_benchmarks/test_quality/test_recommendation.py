"""A report's recommendation applied by code: a setting qualifies when it
clears the bar on the held-out set and gains on both probes on the others;
of those, the largest held-out gain, ties within half a point to the cheaper;
none qualifying, none is recommended."""
import pytest

from hexa_mm.benchmarks.quality import ProtocolError, cli, load_protocol, main
from hexa_mm.benchmarks.quality.recommendation import (MARK,
                                                       mark_recommended,
                                                       recommend,
                                                       recommendation_table,
                                                       report_outcome)
from hexa_mm.benchmarks.quality.result_files import add_runs
from protocol_files import moco_methods, write_protocol

RANDOM = ('random init', 'random init (PyTorch default)')
SETS = ('digits', 'textures')
SEEDS = (0, 1, 2, 3, 4)
COST = dict(mocov2=1., hexa_moco=2.5, hexa_moco_cutmix=1.75)


def report(folder, held_out=('textures', )):
    return load_protocol(write_protocol(
        folder, seeds=SEEDS, datasets=SETS, methods=moco_methods(cutmix=True),
        extra=f'held_out = {list(held_out)!r}\n'), check_siblings=False)


def runs_with(gains):
    """Runs whose paired difference to MoCo-v2 is ``gains[method][set]``
    (kNN, linear), give or take 0.1 a seed: every gain of a point or more is
    far below Holm's 0.05."""
    runs = []
    for seed in SEEDS:
        wobble = 0.1 * (seed - 2) * (-1) ** seed
        for dataset in SETS:
            base = 70. + 2 * seed
            scores = {m: (base, base + 10) for m in ('mocov2', ) + RANDOM}
            for method, by_set in gains.items():
                knn, linear = by_set[dataset]
                scores[method] = (base + knn + wobble,
                                  base + 10 + linear - wobble)
            runs += [dict(method=m, dataset=dataset, seed=seed, epochs=1,
                          minutes=1., knn_top1=k, linear_top1=l)
                     for m, (k, l) in scores.items()]
    return runs


def recommended(tmp_path, gains):
    family = recommend(report(tmp_path), runs_with(gains),
                       cost=lambda method, dataset: COST[method.name])
    return family['mocov2']['recommended']


def test_the_setting_that_clears_the_held_out_bar_and_gains_elsewhere(
        tmp_path):
    assert recommended(tmp_path, dict(
        hexa_moco=dict(digits=(5., 5.), textures=(0.5, 3.)),
        hexa_moco_cutmix=dict(digits=(0.5, 0.2), textures=(2., 2.)),
    )) == 'hexa_moco_cutmix'  # hexa_moco misses the bar on textures' kNN


def test_a_loss_on_a_set_that_took_part_rules_a_setting_out(tmp_path):
    assert recommended(tmp_path, dict(
        hexa_moco=dict(digits=(0.5, 0.5), textures=(2., 2.)),
        hexa_moco_cutmix=dict(digits=(3., -0.3), textures=(6., 6.)),
    )) == 'hexa_moco'


def test_of_two_that_qualify_the_cheaper_within_half_a_point(tmp_path):
    assert recommended(tmp_path, dict(
        hexa_moco=dict(digits=(1., 1.), textures=(3.4, 3.4)),
        hexa_moco_cutmix=dict(digits=(1., 1.), textures=(3., 3.)),
    )) == 'hexa_moco_cutmix'  # 3.0 against 3.4, at 1.75x against 2.5x
    assert recommended(tmp_path, dict(
        hexa_moco=dict(digits=(1., 1.), textures=(3.6, 3.6)),
        hexa_moco_cutmix=dict(digits=(1., 1.), textures=(3., 3.)),
    )) == 'hexa_moco'


def test_none_qualifying_none_is_recommended(tmp_path):
    protocol = report(tmp_path)
    families = recommend(protocol, runs_with(dict(
        hexa_moco=dict(digits=(1., 1.), textures=(0.8, 3.)),
        hexa_moco_cutmix=dict(digits=(-1., 1.), textures=(3., 3.)),
    )), cost=lambda method, dataset: COST[method.name])
    assert families['mocov2']['recommended'] is None
    table = recommendation_table(protocol, families)
    assert '| mocov2 | hexa_moco | no | +1.90 | yes | - | no |' in table
    assert '| mocov2 | hexa_moco_cutmix | yes | +3.00 | no | - | no |' in table
    assert "mocov2: no setting qualifies; the configs keep the paper's" in table


def test_only_a_complete_report_with_held_out_sets_recommends(tmp_path):
    gains = dict(hexa_moco=dict(digits=(1., 1.), textures=(3., 3.)),
                 hexa_moco_cutmix=dict(digits=(1., 1.), textures=(3., 3.)))
    with pytest.raises(ProtocolError, match=r'1 run\(s\) .* missing'):
        recommend(report(tmp_path), runs_with(gains)[1:])
    (tmp_path / 'none').mkdir()
    with pytest.raises(ProtocolError, match='held-out sets'):
        recommend(report(tmp_path / 'none', held_out=()), runs_with(gains))


def test_the_tool_and_the_rendered_block_recommend(tmp_path, capsys):
    """``quality.py recommend`` and a document's ``decision`` block, at the
    configs' own FLOPs: cut-mix only, within half a point of the paper's
    design on the textures, costs less and is recommended."""
    protocol = report(tmp_path)
    add_runs(protocol, str(tmp_path / 'results'), runs_with(dict(
        hexa_moco=dict(digits=(1., 1.), textures=(3.2, 3.2)),
        hexa_moco_cutmix=dict(digits=(1., 1.), textures=(3., 3.)))))
    main(['recommend', str(tmp_path / 'results' / 'report.json')])
    printed = capsys.readouterr().out
    assert '| mocov2 | hexa_moco_cutmix | yes | +3.00 | yes | 1.75x | yes |' \
        in printed
    assert '- mocov2: hexa_moco_cutmix is recommended.' in printed
    document = tmp_path / 'README.md'
    document.write_text('<!-- quality: results/report.json decision -->\n'
                        '<!-- /quality -->\n')
    main(['render', str(document)])
    rendered = document.read_text()
    assert '| mocov2 | hexa_moco | yes | +3.20 | yes | 2.5' in rendered
    assert '- mocov2: hexa_moco_cutmix is recommended.' in rendered


def test_a_report_file_recommends_only_once_every_run_is_in(tmp_path):
    """:func:`report_outcome`, which the demo and the configs' defaults
    read: a file one run short recommends nothing and counts what is
    missing; the complete file gives :func:`recommend`'s families."""
    protocol = report(tmp_path)
    runs = runs_with(dict(
        hexa_moco=dict(digits=(1., 1.), textures=(0.5, 0.5)),
        hexa_moco_cutmix=dict(digits=(1., 1.), textures=(3., 3.))))
    path = str(tmp_path / 'results' / 'report.json')
    cost = lambda method, dataset: COST[method.name]  # noqa: E731
    add_runs(protocol, str(tmp_path / 'results'), runs[1:])
    assert report_outcome(path, cost)[1:] == (49, 1, None)
    add_runs(protocol, str(tmp_path / 'results'), runs[:1])
    outcome = report_outcome(path, cost)
    assert (outcome.runs, outcome.missing) == (50, 0)
    assert outcome.families == recommend(protocol, runs, cost)
    assert outcome.families['mocov2']['recommended'] == 'hexa_moco_cutmix'


def demo(folder, methods=None):
    """A demo protocol beside ``report(folder)`` that marks its
    recommendation."""
    return load_protocol(write_protocol(
        folder, name='demo', kind='demo', seeds=(0, ),
        methods=methods or moco_methods(cutmix=True),
        extra="recommended_by = 'results/report.json'\n"))


def test_the_demo_marks_nothing_before_the_report_is_complete(tmp_path,
                                                              monkeypatch):
    monkeypatch.chdir(tmp_path)
    shown, note = mark_recommended(demo(tmp_path))
    assert 'has no runs yet' in note
    add_runs(report(tmp_path), str(tmp_path / 'results'), runs_with(dict(
        hexa_moco=dict(digits=(1., 1.), textures=(3., 3.)),
        hexa_moco_cutmix=dict(digits=(1., 1.), textures=(3., 3.))))[1:])
    shown, note = mark_recommended(demo(tmp_path))
    assert '`results/report.json` has 49 of its 50 runs' in note
    assert not any(MARK in (m.label or '') for m in shown.methods.values())


def test_the_demo_marks_the_reports_recommendation(tmp_path, monkeypatch,
                                                   capsys):
    """Through ``quality.py run`` on the demo: the recommended setting's
    rows carry the mark, the paragraph under the tables names it, and the
    others stay unmarked."""
    monkeypatch.chdir(tmp_path)
    add_runs(report(tmp_path), str(tmp_path / 'results'), runs_with(dict(
        hexa_moco=dict(digits=(1., 1.), textures=(3.6, 3.6)),
        hexa_moco_cutmix=dict(digits=(1., 1.), textures=(0.5, 0.5)))))
    demo_runs = [run for run in runs_with(dict(
        hexa_moco=dict(digits=(1., 1.), textures=(1., 1.)),
        hexa_moco_cutmix=dict(digits=(1., 1.), textures=(1., 1.))))
        if run['seed'] == 0 and run['dataset'] == 'digits']
    monkeypatch.setattr(cli, 'run_protocol', lambda *args: demo_runs)
    monkeypatch.setattr(cli, 'plot', lambda *args: None)
    demo(tmp_path)
    main(['run', str(tmp_path / 'demo.py'), '--out', str(tmp_path / 'demo')])
    printed = capsys.readouterr().out
    assert f'| digits | hexa_moco{MARK} | 1 |' in printed
    assert '| digits | hexa_moco_cutmix | 1 |' in printed
    assert (f'mocov2: `results/report.json` recommends hexa_moco, '
            f'marked{MARK} in the tables.') in printed


def test_the_demo_refuses_a_recommendation_it_cannot_show(tmp_path):
    add_runs(report(tmp_path), str(tmp_path / 'results'), runs_with(dict(
        hexa_moco=dict(digits=(1., 1.), textures=(0.5, 0.5)),
        hexa_moco_cutmix=dict(digits=(1., 1.), textures=(3., 3.)))))
    cost = dict(cost=lambda method, dataset: COST[method.name])
    with pytest.raises(ProtocolError, match='recommends hexa_moco_cutmix, '
                       'which the demo does not run'):
        mark_recommended(demo(tmp_path, moco_methods()), **cost)
    otherwise = moco_methods(cutmix=True).replace(  # an option more
        "cutmix_r18_{dataset}.py', baseline",
        "cutmix_r18_{dataset}.py', cfg_options={'model.w_mix': 1.}, baseline")
    with pytest.raises(ProtocolError, match='defines otherwise'):
        mark_recommended(demo(tmp_path, otherwise), **cost)
    shown, _ = mark_recommended(demo(tmp_path), **cost)
    assert shown.methods['hexa_moco_cutmix'].label == 'hexa_moco_cutmix' + MARK
