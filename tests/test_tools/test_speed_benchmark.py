"""tools/benchmarks/speed.py on a tiny setting: every method's row, its ratio
to its family's baseline, images per second and peak memory."""
import json

import pytest
from mmengine.registry import init_default_scope

from mmselfsup.registry import MODELS
from tool_runs import load_tool

from hexa_mm.benchmarks.speed import TrainStep, methods

speed = load_tool('benchmarks/speed')

TINY = ['--batch', '4', '--size', '8', '--iters', '1', '--warmup', '1',
        '--device', 'cpu']
#: FLOPs per training step over MoCo-v2's (README, "Speed"), in units of F
#: (one forward of the batch's queries): 4F for MoCo-v2.
MOCO_FLOP_RATIOS = {
    'MoCo-v2 (HEXAMoCo, hard terms off)': 1.0,
    'HEXA-MoCo hard_fraction=1.0': 12 / 4,
    'HEXA-MoCo hard_fraction=1.0 reuse_clean_grad': 10 / 4,
    'HEXA-MoCo hard_fraction=0.5': 8 / 4,
    'HEXA-MoCo hard_fraction=0.5 reuse_clean_grad': 7 / 4,
    'HEXA-MoCo hard_fraction=0.25 reuse_clean_grad': 5.5 / 4,
    'HEXA-MoCo CutMix only (w_adv=0)': 7 / 4,
    'HEXA-MoCo CutMix only (w_adv=0) hard_fraction=0.5': 5.5 / 4,
}
#: What the count leaves out: the heads' matmuls, the first convolution's
#: input gradient.
FLOP_TOL = 0.02


def state_mib(cfg):
    """MiB of weights, gradients and SGD momentum, and of the buffers."""
    model = MODELS.build(cfg)
    params = sum(p.numel() * p.element_size() for p in model.parameters())
    buffers = sum(b.numel() * b.element_size() for b in model.buffers())
    return (3 * params + buffers) / 2**20


def test_every_moco_method_takes_a_training_step():
    init_default_scope('mmselfsup')
    entries = methods('moco', 'digits', 4, 8)
    assert [name for name, _, _ in entries] == [
        'MoCo-v2 (MMSelfSup stock)', 'MoCo-v2 (HEXAMoCo, hard terms off)',
        'HEXA-MoCo hard_fraction=1.0',
        'HEXA-MoCo hard_fraction=1.0 reuse_clean_grad',
        'HEXA-MoCo hard_fraction=0.5',
        'HEXA-MoCo hard_fraction=0.5 reuse_clean_grad',
        'HEXA-MoCo hard_fraction=0.25 reuse_clean_grad',
        'HEXA-MoCo CutMix only (w_adv=0)',
        'HEXA-MoCo CutMix only (w_adv=0) hard_fraction=0.5',
        'HEXA-MoCo hard_size=3'
    ]
    flops = {}
    for name, cfg, crops in entries:
        step = TrainStep(cfg, 4, 8, crops, 'cpu')
        before = [p.detach().clone() for p in step.model.backbone.parameters()]
        flops[name] = step.flops()
        assert any(not b.equal(p) for b, p in zip(
            before, step.model.backbone.parameters())), name
    # Our MoCo-v2 does the stock maths; reusing the clean gradient saves the
    # attack's forward and backward; fewer hard queries cost less.
    stock = flops['MoCo-v2 (MMSelfSup stock)']
    assert flops['MoCo-v2 (HEXAMoCo, hard terms off)'] == stock > 0
    # README's count, with F a forward of the N queries and a backward 2F:
    # MoCo-v2 4F (keys F, queries 3F); each trained hard query 3F per query's
    # share; the separate attack 2F per attacked query's share.
    for name, ratio in MOCO_FLOP_RATIOS.items():
        assert flops[name] / stock == pytest.approx(ratio, rel=FLOP_TOL), name
    hf = {f: flops[f'HEXA-MoCo hard_fraction={f} reuse_clean_grad']
          for f in (1.0, 0.5, 0.25)}
    assert hf[1.0] < flops['HEXA-MoCo hard_fraction=1.0']
    assert hf[0.5] < flops['HEXA-MoCo hard_fraction=0.5']
    assert stock < hf[0.25] < hf[0.5] < hf[1.0]
    assert stock < flops['HEXA-MoCo hard_size=3'] < hf[1.0]


@pytest.mark.parametrize('family, full', [('moco', 2), ('dcluster', 1)])
def test_hard_size_costs_its_share_of_the_pixels(family, full):
    """At 32-pixel views the hard examples are made of 14-pixel copies (96 /
    224 of the side): what HEXA adds to its baseline (attack and hard
    passes) costs (14 / 32)**2 of that at full size, up to the rounding of
    the strided maps (14 -> 7 -> 4 -> 2 against 32 -> 16 -> 8 -> 4: at most
    (2 / 4)**2 in the deepest layers)."""
    init_default_scope('mmselfsup')
    entries = methods(family, 'digits', 4, 32)
    assert entries[-1][0].endswith('hard_size=14')
    base, hexa, small = (TrainStep(cfg, 4, 32, crops, 'cpu').flops()
                         for _, cfg, crops in (entries[0], entries[full],
                                               entries[-1]))
    assert (14 / 32)**2 < (small - base) / (hexa - base) < (2 / 4)**2


def test_prints_and_writes_a_ratio_for_every_method(tmp_path, capsys):
    out = str(tmp_path / 'speed')
    rows = speed.main(['--family', 'dcluster', '--rounds', '2', '--out', out] +
                      TINY)
    assert [r['method'] for r in rows] == [
        'DeepCluster-v2', 'HEXA-DCluster', 'HEXA-DCluster reuse_clean_grad',
        'HEXA-DCluster CutMix only (w_adv=0)', 'HEXA-DCluster hard_size=3'
    ]
    assert rows[0]['ratio_to_baseline'] == 1.0
    for row in rows:
        assert row['sec_per_iter'] > 0 and row['images_per_sec'] > 0
        assert row['peak_mib'] > 0 and row['ratio_to_baseline'] > 0
        low, high = row['ratio_range']
        assert low <= row['ratio_to_baseline'] <= high
        assert row['gflop_per_iter'] > 0
    assert rows[0]['flop_ratio_to_baseline'] == 1.0
    # DeepCluster-v2 trains 2 crops (6F); HEXA-DCluster 4 more (12F) and,
    # without reuse_clean_grad, attacks 2 (4F): 22F / 6F and 18F / 6F. On
    # top, the hardness figures score the clean and the cut-mixed crops
    # against the first head's prototypes: about 2% at these tiny sizes
    # (50 prototypes against a 16-pixel ResNet-18 of width 8), nothing at
    # ResNet-50; one more forward of the crops would add 17%.
    assert 22 / 6 < rows[1]['flop_ratio_to_baseline'] < 22 / 6 * (
        1 + 1.5 * FLOP_TOL)
    # Its floor, 18F / 6F, plus the clean backward's input gradient of the
    # first convolution (which the floor leaves out) and the figures.
    assert 3.0 < rows[2]['flop_ratio_to_baseline'] < 3.0 * (1 + 2 * FLOP_TOL)
    # Cut-mixed crops only: no attack, 2 trained hard crops (6F): 12F / 6F.
    assert 2.0 < rows[3]['flop_ratio_to_baseline'] < 2.0 * (1 + 2 * FLOP_TOL)
    assert 1 < rows[4]['flop_ratio_to_baseline'] < rows[1][
        'flop_ratio_to_baseline']
    # Peak memory: at least the model's state that two SGD steps hold
    # (weights, gradients, momentum, buffers such as the memory bank).
    for row, (_, cfg, _) in zip(rows, methods('dcluster', 'digits', 4, 8)):
        assert row['peak_mib'] >= state_mib(cfg), row
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
    assert rows[1]['ratio_to_baseline'] > 0
    for row, (_, cfg, _) in zip(rows, methods('moco', 'digits', 4, 8)):
        assert row['peak_mib'] >= state_mib(cfg), row


def test_wrapper_only_refuses_the_dcluster_family(tmp_path, capsys):
    with pytest.raises(SystemExit):
        speed.main(['--family', 'dcluster', '--wrapper-only',
                    '--out', str(tmp_path / 'x')])
    assert '--wrapper-only' in capsys.readouterr().err
