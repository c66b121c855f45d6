"""Protocol files: what is run and how it is judged, checked before any run;
choosing and reporting kept apart."""
import glob
import os.path as osp

import pytest

from hexa_mm.benchmarks.quality import (PROBES, ProtocolError, check_apart,
                                        load_protocol)
from protocol_files import moco_methods, write_protocol
from tool_runs import ROOT


def test_a_protocol_lists_its_comparisons_for_the_correction(tmp_path):
    protocol = load_protocol(write_protocol(tmp_path, datasets=('digits',
                                                                'shapes')))
    assert protocol.name == 'report' and protocol.seeds == [0, 1]
    assert protocol.comparisons() == [
        (d, 'hexa_moco', 'mocov2', p) for d in ('digits', 'shapes')
        for p in PROBES
    ]
    assert protocol.methods['hexa_moco'].config_path('shapes').endswith(
        'configs/hexa_moco_r18_shapes.py')
    assert len(protocol.sha256) == 64


def test_tables_name_a_method_by_its_label_else_its_name(tmp_path):
    methods = moco_methods().replace("mocov2_r18_{dataset}.py'",
                                     "mocov2_r18_{dataset}.py', label='MoCo-v2'")
    protocol = load_protocol(write_protocol(tmp_path, methods=methods))
    assert protocol.label('mocov2') == 'MoCo-v2'
    assert protocol.label('hexa_moco') == 'hexa_moco'
    # The random backbones are rows of the tables, not methods.
    assert protocol.label('random init') == 'random init'


@pytest.mark.parametrize('change, match', [
    (dict(kind='sweep'), "kind='sweep'"),
    (dict(seeds=(1, 1)), 'distinct'),
    (dict(datasets=('cifar', )), "'cifar' is not an embedded set"),
    (dict(extra='bar = 1\n'), r"unknown field\(s\) \['bar'\]"),
    (dict(methods="dict(m=dict(config='nowhere_{dataset}.py'))"),
     'nowhere_digits.py does not exist'),
    (dict(methods="dict(m=dict(config='x', baseline='mocov3'))"),
     "baseline='mocov3'"),
    (dict(methods="dict(m=dict(conf='x'))"), r"unknown field\(s\) \['conf'\]"),
    (dict(extra="held_out = ['shapes']\n", kind='selection'),
     'only a report protocol holds'),
    (dict(extra="selected_from = 'selection.json'\n", kind='selection'),
     "only a report protocol follows a selection's decision"),
    (dict(extra="recommended_by = 'report.json'\n"),
     "recommended_by: only a demo protocol marks"),
])
def test_a_bad_protocol_is_named_with_its_field(tmp_path, change, match):
    with pytest.raises(ProtocolError, match=match):
        load_protocol(write_protocol(tmp_path, **change))


def test_selection_and_report_keep_their_seeds_and_sets_apart(tmp_path):
    write_protocol(tmp_path, 'report', seeds=(200, 201),
                   extra="held_out = ['shapes']\n")
    selection = write_protocol(tmp_path, 'selection', kind='selection',
                               seeds=(100, 201))
    with pytest.raises(ProtocolError, match=r'share seeds \[201\]'):
        load_protocol(selection)
    selection = write_protocol(tmp_path, 'selection', kind='selection',
                               seeds=(100, ), datasets=('digits', 'shapes'))
    with pytest.raises(ProtocolError, match=r"chooses on \['shapes'\]"):
        load_protocol(selection)
    write_protocol(tmp_path, 'selection', kind='selection', seeds=(100, ))
    check_apart(load_protocol(osp.join(tmp_path, 'report.py')))


def test_the_shipped_protocols_load_and_keep_apart():
    shipped = sorted(glob.glob(osp.join(ROOT, 'protocols', '*.py')))
    protocols = {osp.basename(p): load_protocol(p, follow_selection=False)
                 for p in shipped}
    assert {'demo.py', 'selection.py', 'report_digits.py',
            'report_three_sets.py'} <= set(protocols)
    selection = protocols['selection.py']
    assert selection.kind == 'selection' and set(selection.datasets) == {
        'digits', 'shapes'}
    three = protocols['report_three_sets.py']
    assert three.held_out == ['textures'] and set(three.datasets) == {
        'digits', 'shapes', 'textures'}
    assert three.selected_from == osp.join(ROOT, 'results', 'selection.json')
    for protocol in protocols.values():
        # One baseline a family, every other method compared with it.
        for method in protocol.methods.values():
            if method.baseline is not None:
                assert protocol.methods[method.baseline].baseline is None


def test_the_three_set_report_waits_for_or_follows_the_shipped_selection():
    """Before the shipped selection is complete, the report names what it
    waits for; after, it runs at most one more setting a family, one that
    the selection defines."""
    from hexa_mm.benchmarks.quality import missing_runs, read_results
    path = osp.join(ROOT, 'protocols', 'report_three_sets.py')
    selection = load_protocol(osp.join(ROOT, 'protocols', 'selection.py'))
    runs = read_results(osp.join(ROOT, 'results', 'selection.json'))['runs']
    if missing_runs(selection, runs):
        with pytest.raises(ProtocolError, match='selected_from: .* missing'):
            load_protocol(path)
        return
    own = load_protocol(path, follow_selection=False).methods
    added = set(load_protocol(path).methods) - set(own)
    assert added <= set(selection.methods)
    assert len({selection.methods[n].baseline for n in added}) == len(added)


def test_the_demo_runs_every_setting_the_report_may_recommend():
    """The demo marks the three-set report's recommendation: it runs each
    method of the report and of the selection it follows, as they define
    it."""
    protocols = osp.join(ROOT, 'protocols')
    demo = load_protocol(osp.join(protocols, 'demo.py'))
    assert demo.recommended_by == osp.join(ROOT, 'results',
                                           'report_three_sets.json')
    for source in ('selection.py', 'report_three_sets.py'):
        methods = load_protocol(osp.join(protocols, source),
                                follow_selection=False).methods
        for name, theirs in methods.items():
            ours = demo.methods[name]
            assert (ours.config, ours.cfg_options, ours.baseline) == (
                theirs.config, theirs.cfg_options, theirs.baseline), name


def test_a_misspelled_option_fails_before_the_first_run(tmp_path):
    from hexa_mm.benchmarks.quality import run_protocol
    from protocol_files import moco_methods
    path = write_protocol(tmp_path, methods=moco_methods(
        in_place="{'model.mix_mdoe': 'replace'}"))
    out = tmp_path / 'results'
    with pytest.raises(ProtocolError, match=r'report.py: methods.'
                       r'hexa_moco_in_place on digits: model.mix_mdoe is not '
                       r'a field of HEXAMoCo \(did you mean model.mix_mode'):
        run_protocol(load_protocol(path), str(out), str(tmp_path / 'work'))
    assert not out.exists()


def test_the_shipped_protocols_configs_pass_the_train_tools_checks():
    from hexa_mm.benchmarks.quality.runs import check_configs
    for path in sorted(glob.glob(osp.join(ROOT, 'protocols', '*.py'))):
        check_configs(load_protocol(path, follow_selection=False))
