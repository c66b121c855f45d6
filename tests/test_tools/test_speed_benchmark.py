"""tools/benchmarks/speed.py on a tiny setting: every method's row, its ratio
to its family's baseline, images per second and peak memory."""
import json

import pytest
from mmengine.registry import init_default_scope

from tool_runs import load_tool

speed = load_tool('benchmarks/speed')

TINY = ['--batch', '4', '--size', '8', '--iters', '1', '--warmup', '1',
        '--device', 'cpu']


def test_every_moco_method_takes_a_training_step():
    init_default_scope('mmselfsup')
    entries = speed.methods('moco', 'digits', 4)
    assert [name for name, _, _ in entries] == [
        'MoCo-v2 (MMSelfSup stock)', 'MoCo-v2 (HEXAMoCo, hard terms off)',
        'HEXA-MoCo hard_fraction=1.0',
        'HEXA-MoCo hard_fraction=1.0 reuse_clean_grad',
        'HEXA-MoCo hard_fraction=0.5',
        'HEXA-MoCo hard_fraction=0.5 reuse_clean_grad',
        'HEXA-MoCo hard_fraction=0.25 reuse_clean_grad',
        'HEXA-MoCo CutMix only (w_adv=0)'
    ]
    flops = {}
    for name, cfg, crops in entries:
        step = speed.Step(cfg, 4, 8, crops, 'cpu')
        before = [p.detach().clone() for p in step.model.backbone.parameters()]
        flops[name] = step.flops()
        assert any(not b.equal(p) for b, p in zip(
            before, step.model.backbone.parameters())), name
    # Our MoCo-v2 does the stock maths; reusing the clean gradient saves the
    # attack's forward and backward; fewer hard queries cost less.
    stock = flops['MoCo-v2 (MMSelfSup stock)']
    assert flops['MoCo-v2 (HEXAMoCo, hard terms off)'] == stock > 0
    hf = {f: flops[f'HEXA-MoCo hard_fraction={f} reuse_clean_grad']
          for f in (1.0, 0.5, 0.25)}
    assert hf[1.0] < flops['HEXA-MoCo hard_fraction=1.0']
    assert hf[0.5] < flops['HEXA-MoCo hard_fraction=0.5']
    assert stock < hf[0.25] < hf[0.5] < hf[1.0]


def test_prints_and_writes_a_ratio_for_every_method(tmp_path, capsys):
    out = str(tmp_path / 'speed')
    rows = speed.main(['--family', 'dcluster', '--rounds', '2', '--out', out] +
                      TINY)
    assert [r['method'] for r in rows] == [
        'DeepCluster-v2', 'HEXA-DCluster', 'HEXA-DCluster reuse_clean_grad'
    ]
    assert rows[0]['ratio_to_baseline'] == 1.0
    for row in rows:
        assert row['sec_per_iter'] > 0 and row['images_per_sec'] > 0
        assert row['peak_mib'] > 0 and row['ratio_to_baseline'] > 0
        low, high = row['ratio_range']
        assert low <= row['ratio_to_baseline'] <= high
        assert row['gflop_per_iter'] > 0
    assert rows[0]['flop_ratio_to_baseline'] == 1.0
    assert (1 < rows[2]['flop_ratio_to_baseline'] <
            rows[1]['flop_ratio_to_baseline'])
    printed = capsys.readouterr().out
    assert '| dcluster | HEXA-DCluster reuse_clean_grad |' in printed
    with open(out + '.json') as f:
        assert json.load(f)['rows'] == rows
    with open(out + '.md') as f:
        assert '| dcluster | HEXA-DCluster |' in f.read()


def test_wrapper_only_times_stock_moco_against_the_wrapper(tmp_path):
    rows = speed.main(['--family', 'moco', '--wrapper-only', '--rounds', '2',
                       '--out', str(tmp_path / 'wrapper')] + TINY)
    assert [r['method'] for r in rows] == [
        'MoCo-v2 (MMSelfSup stock)', 'MoCo-v2 (HEXAMoCo, hard terms off)'
    ]
    assert rows[1]['ratio_to_baseline'] > 0 and rows[1]['peak_mib'] > 0


def test_wrapper_only_refuses_the_dcluster_family(tmp_path, capsys):
    with pytest.raises(SystemExit):
        speed.main(['--family', 'dcluster', '--wrapper-only',
                    '--out', str(tmp_path / 'x')])
    assert '--wrapper-only' in capsys.readouterr().err
