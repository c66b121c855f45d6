"""tools/benchmarks/speed.py on a tiny setting: every method's row, its FLOPs
and time against its family's baseline, images per second and peak memory.
The times are printed for a reader, never asserted (a timing is a property of
the machine, not of the code); the FLOPs are."""
import json
import os.path as osp

import pytest
from mmengine.registry import init_default_scope

from mmselfsup.registry import MODELS
from tool_runs import CONFIGS, load_tool

from hexa_mm.benchmarks.speed import TrainStep, methods

speed = load_tool('benchmarks/speed')

#: 32-pixel views: the heads' matmuls are then a small part of the count.
TINY = ['--batch', '4', '--size', '32', '--iters', '1', '--warmup', '1',
        '--device', 'cpu']
#: FLOPs per training step over the family's baseline, in units of F (one
#: forward of a batch of views; a backward costs 2F). MoCo-v2: keys F,
#: queries 3F, 4F. HEXA-MoCo's two-pass step: the attack's step comes from the
#: clean backward, then 2 hard queries per query are trained (6F): 10F.
#: Cut-mixed queries only: 7F. Cut-mixed queries in place of clean ones (the
#: cost-neutral setting): the clean forward as it is, 4F. DeepCluster-v2
#: trains 2 crops (6F); HEXA-DCluster 4 hard crops more (12F), cut-mixed crops
#: only 2 more (6F), in place none.
FLOP_RATIOS = {
    'moco': {
        'MoCo-v2 (MMSelfSup stock)': 1.,
        'MoCo-v2 (HEXAMoCo, hard terms off)': 1.,
        'HEXA-MoCo': 10 / 4,
        'HEXA-MoCo cut-mix only (w_adv=0)': 7 / 4,
        "HEXA-MoCo cut-mix in place (mix_mode='replace')": 4 / 4,
    },
    'dcluster': {
        'DeepCluster-v2': 1.,
        'HEXA-DCluster': 18 / 6,
        'HEXA-DCluster cut-mix only (w_adv=0)': 12 / 6,
        "HEXA-DCluster cut-mix in place (mix_mode='replace')": 6 / 6,
    },
}
#: What the count in F leaves out: the heads' matmuls (queue logits,
#: prototypes, mixed targets, hardness figures) and the first convolution's
#: input gradient, which the two-pass step's clean backward computes for the
#: attack. Under 1% at 32-pixel views (up to 4% at 8 pixels).
FLOP_TOL = 0.02


def state_mib(cfg):
    """MiB of weights, gradients and SGD momentum, and of the buffers."""
    model = MODELS.build(cfg)
    params = sum(p.numel() * p.element_size() for p in model.parameters())
    buffers = sum(b.numel() * b.element_size() for b in model.buffers())
    return (3 * params + buffers) / 2**20


@pytest.mark.parametrize('family', ['moco', 'dcluster'])
def test_every_method_trains_at_its_share_of_flops(family):
    init_default_scope('mmselfsup')
    entries = methods(family, 'digits', 4, CONFIGS)
    assert [name for name, _, _ in entries] == list(FLOP_RATIOS[family])
    flops = []
    for name, cfg, crops in entries:
        step = TrainStep(cfg, 4, 32, crops, 'cpu')
        before = [p.detach().clone() for p in step.model.backbone.parameters()]
        flops.append(step.flops())
        assert any(not b.equal(p) for b, p in zip(
            before, step.model.backbone.parameters())), name
    for (name, _, _), count in zip(entries, flops):
        assert count / flops[0] == pytest.approx(
            FLOP_RATIOS[family][name], rel=FLOP_TOL), name
    if family == 'moco':  # our wrapper does the stock maths
        assert flops[1] == flops[0] > 0


def test_the_digits_backbone_comes_from_the_configs_folder(tmp_path,
                                                          monkeypatch):
    """``--backbone digits`` reads the ResNet-18 of the folder it is given,
    wherever the process runs."""
    monkeypatch.chdir(tmp_path)
    entries = methods('moco', 'digits', 4, CONFIGS)
    assert entries[0][1]['backbone']['type'] == 'mmcls.ResNet_CIFAR'
    assert entries[0][1]['neck']['in_channels'] == 128
    assert methods('moco', 'r50', 4, CONFIGS)[0][1]['backbone']['depth'] == 50
    with pytest.raises(FileNotFoundError):
        methods('moco', 'digits', 4, str(tmp_path))


def test_prints_and_writes_a_row_for_every_method(tmp_path, capsys):
    out = str(tmp_path / 'speed')
    rows = speed.main(['--family', 'dcluster', '--rounds', '2', '--out', out] +
                      TINY)
    assert [r['method'] for r in rows] == list(FLOP_RATIOS['dcluster'])
    assert rows[0]['ratio_to_baseline'] == 1.0
    for row in rows:
        assert row['family'] == 'dcluster'
        assert row['sec_per_iter'] > 0 and row['images_per_sec'] > 0
        assert row['peak_mib'] > 0 and row['ratio_to_baseline'] > 0
        low, high = row['ratio_range']
        assert low <= row['ratio_to_baseline'] <= high
        assert row['gflop_per_iter'] > 0
        # The cost-neutral setting (cut-mix in place) costs what the
        # baseline does, the paper's setting 3x.
        assert row['flop_ratio_to_baseline'] == pytest.approx(
            FLOP_RATIOS['dcluster'][row['method']], rel=FLOP_TOL), row
    # Peak memory: at least the model's state that two SGD steps hold
    # (weights, gradients, momentum, buffers such as the memory bank).
    for row, (_, cfg, _) in zip(rows, methods('dcluster', 'digits', 4,
                                              CONFIGS)):
        assert row['peak_mib'] >= state_mib(cfg), row
    printed = capsys.readouterr().out
    assert ("| dcluster | HEXA-DCluster cut-mix in place "
            "(mix_mode='replace') |") in printed
    with open(out + '.json') as f:
        saved = json.load(f)
    assert saved['rows'] == rows
    assert saved['settings']['configs'] == CONFIGS
    with open(out + '.md') as f:
        assert '| dcluster | HEXA-DCluster |' in f.read()


def test_wrapper_only_times_stock_moco_against_the_wrapper(tmp_path,
                                                           monkeypatch):
    # --out's default is relative to the current directory.
    monkeypatch.chdir(tmp_path)
    rows = speed.main(['--family', 'moco', '--wrapper-only', '--rounds', '2'] +
                      TINY)
    assert [r['method'] for r in rows] == [
        'MoCo-v2 (MMSelfSup stock)', 'MoCo-v2 (HEXAMoCo, hard terms off)'
    ]
    assert rows[1]['ratio_to_baseline'] > 0
    assert rows[1]['flop_ratio_to_baseline'] == 1.0
    for row, (_, cfg, _) in zip(rows, methods('moco', 'digits', 4, CONFIGS)):
        assert row['peak_mib'] >= state_mib(cfg), row
    with open(osp.join(tmp_path, 'results', 'speed.json')) as f:
        assert json.load(f)['rows'] == rows


def test_wrapper_only_refuses_the_dcluster_family(tmp_path, capsys):
    with pytest.raises(SystemExit):
        speed.main(['--family', 'dcluster', '--wrapper-only',
                    '--out', str(tmp_path / 'x')])
    assert '--wrapper-only' in capsys.readouterr().err
