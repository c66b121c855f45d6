"""tools/benchmarks/quality.py and tools/demo.py end to end, in small: a
protocol run through MMEngine's Runner, its result file, plot, status,
report and rendering; the demo protocol."""
import json
import os.path as osp
import textwrap

import numpy as np
import pytest
from PIL import Image

from hexa_mm.benchmarks.quality import ProtocolError
from hexa_mm.utils.errors import UserError
from protocol_files import write_protocol
from tool_runs import CONFIGS, load_tool

quality_tool = load_tool('benchmarks/quality')
demo = load_tool('demo')

#: A digits config shrunk to a few CPU iterations (tool_runs'
#: tiny_digits_options, as a protocol's cfg_options).
TINY = {
    'train_dataloader.dataset.indices': 32,
    'train_dataloader.batch_size': 8,
    'train_dataloader.num_workers': 0,
    'train_cfg.max_epochs': 1,
    'model.backbone.base_channels': 8,
    'model.backbone.stem_channels': 8,
    'model.neck.in_channels': 64,
    'model.neck.hid_channels': 64,
}
MOCO = dict(TINY, **{'model.queue_len': 64})
DCLUSTER = dict(TINY, **{'model.num_samples': 32,
                         'model.head.num_prototypes': 4})
IN_PLACE = dict(DCLUSTER, **{'model.w_clean': 1., 'model.w_adv': 0.,
                             'model.w_mix': 1., 'model.mix_mode': 'replace'})
METHODS = textwrap.dedent(f'''\
    dict(
        mocov2=dict(config='{CONFIGS}/mocov2_r18_{{dataset}}.py',
                    cfg_options={MOCO!r}),
        hexa_moco=dict(config='{CONFIGS}/hexa_moco_r18_{{dataset}}.py',
                       cfg_options={MOCO!r}, baseline='mocov2'),
        deepclusterv2=dict(config='{CONFIGS}/deepclusterv2_r18_{{dataset}}.py',
                           cfg_options={DCLUSTER!r}),
        in_place=dict(config='{CONFIGS}/hexa_dcluster_r18_{{dataset}}.py',
                      cfg_options={IN_PLACE!r}, baseline='deepclusterv2'))''')


def test_a_protocol_runs_resumes_and_reports(tmp_path, digits_root, capsys):
    path = write_protocol(tmp_path, seeds=(0, ), methods=METHODS)
    out, work = str(tmp_path / 'results'), str(tmp_path / 'work')
    args = ['run', path, '--data-root', digits_root, '--out', out,
            '--work-dir', work]
    runs = quality_tool.main(args)
    methods = ['random init', 'random init (PyTorch default)', 'mocov2',
               'hexa_moco', 'deepclusterv2', 'in_place']
    assert [r['method'] for r in runs] == methods
    by_name = {r['method']: r for r in runs}
    assert by_name['random init']['knn_top1'] != by_name[
        'random init (PyTorch default)']['knn_top1']
    for name in methods[2:]:
        run = by_name[name]
        assert run['epochs'] == 1
        assert run['online_curve'][-1] == [1, run['online_linear_top1']]
        # The kNN monitor's last point and the final kNN: one backbone.
        assert run['curve'] == [[1, run['knn_top1']]]
        assert 10 < run['linear_top1'] <= 100
        assert run['machine']['threads'] >= 1 and run['date']
    assert set(by_name['hexa_moco']['hardness']['last_epoch']) == {
        'adv_ratio', 'mix_ratio', 'mix_lam'}
    assert set(by_name['in_place']['hardness']['last_epoch']) == {
        'mix_ratio', 'mix_lam'}
    assert 'hardness' not in by_name['mocov2']
    saved = json.loads((tmp_path / 'results' / 'report.json').read_text())
    assert saved['runs'] == runs and saved['kind'] == 'report'
    # The plot, with the online probe's panel beside the kNN one.
    plot = np.asarray(Image.open(tmp_path / 'results' /
                                 'report_digits.png').convert('L'))
    assert plot.shape[1] > 1000
    # A second run has nothing left to do.
    assert quality_tool.main(args) == runs
    capsys.readouterr()
    quality_tool.main(['report', osp.join(out, 'report.json')])
    printed = capsys.readouterr().out
    assert '| digits | hexa_moco | mocov2 |' in printed
    assert 'Holm' in printed


def test_a_report_of_an_incomplete_protocol_is_refused(tmp_path, capsys):
    path = write_protocol(tmp_path, seeds=(0, 1))
    result = tmp_path / 'results' / 'report.json'
    result.parent.mkdir()
    result.write_text(json.dumps(dict(
        protocol='../report.py', protocol_sha256=_sha(path), kind='report',
        runs=[dict(method='mocov2', dataset='digits', seed=0, epochs=1,
                   minutes=1., knn_top1=80., linear_top1=90.)])))
    quality_tool.main(['status', str(result)])
    printed = capsys.readouterr().out
    assert '7 missing' in printed
    # mocov2's seed 1 at its seed 0's minute; the others never ran.
    assert ('about 0.0 CPU-hours left at the minutes a run of the same '
            'method and set took, plus 6 run(s)') in printed
    with pytest.raises(ProtocolError, match=r'7 run\(s\) of the protocol'):
        quality_tool.main(['report', str(result)])


def _sha(path):
    import hashlib
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_render_check_fails_on_a_stale_block(tmp_path):
    doc = tmp_path / 'doc.md'
    doc.write_text('<!-- quality: results/none.json all -->\n'
                   '<!-- /quality -->\n')
    with pytest.raises(UserError, match='no such result file'):
        quality_tool.main(['render', str(doc), '--check'])


def test_the_demo_runs_the_demo_protocol(tmp_path, digits_root):
    """make demo: protocols/demo.py (here one method, shrunk with
    --cfg-options, which only a demo protocol takes)."""
    runs = demo.main(['--methods', 'mocov2', '--data-root', digits_root,
                      '--out', str(tmp_path / 'demo'), '--work-dir',
                      str(tmp_path / 'work'), '--cfg-options',
                      *(f'{k}={v}' for k, v in MOCO.items())])
    assert [r['method'] for r in runs] == [
        'random init', 'random init (PyTorch default)', 'mocov2']
    assert runs[-1]['cfg_options']['train_cfg.max_epochs'] == 1
    assert (tmp_path / 'demo' / 'demo.json').is_file()
    assert (tmp_path / 'demo' / 'demo_tsne' / 'mocov2_digits.png').is_file()
    report = write_protocol(tmp_path, seeds=(0, ))
    with pytest.raises(ProtocolError, match='runs as written'):
        quality_tool.main(['run', report, '--cfg-options',
                           'train_cfg.max_epochs=1'])
