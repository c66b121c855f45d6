import json
import os.path as osp

import pytest
import torch

from conftest import tiny_moco_cfg
from tool_runs import CONFIGS, load_tool
from mmselfsup.registry import MODELS

kshot_tool = load_tool('benchmarks/kshot')
TINY = [
    'model.backbone.base_channels=8', 'model.backbone.stem_channels=8',
    'model.neck.in_channels=64', 'model.neck.hid_channels=64',
    'model.neck.out_channels=16', 'model.queue_len=64', 'model.feat_dim=16'
]


def run(digits_root, tmp_path, *extra):
    out = str(tmp_path / 'kshot.json')
    result = kshot_tool.main([
        osp.join(CONFIGS, 'mocov2_r18_digits.py'), *extra, '--dataset',
        'digits', '--data-root', digits_root, '--draws', '2',
        '--batch-size', '512',
        '--num-workers', '0', '--out', out, '--cfg-options', *TINY
    ])
    with open(out) as f:
        assert json.load(f) == result
    return result


def test_scores_the_digits_and_loads_a_checkpoint_strictly(
        tmp_path, digits_root):
    random_init = run(digits_root, tmp_path, '--shots', '1', '10')
    assert random_init['checkpoint'] is None
    assert sorted(random_init['draws_top1']) == ['1', '10']
    assert all(len(v) == 2 for v in random_init['draws_top1'].values())
    # Ten labels per class beat one, and chance (10%), on random features.
    assert 20 < random_init['10shot_top1'] <= 100
    assert random_init['1shot_top1'] < random_init['10shot_top1']
    assert '5shot_top1' not in random_init
    torch.manual_seed(123)
    other = MODELS.build(tiny_moco_cfg(type='MoCo', queue_len=64))
    ckpt = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=other.state_dict()), ckpt)
    loaded = run(digits_root, tmp_path, ckpt, '--shots', '1', '10')
    assert loaded['checkpoint'] == ckpt
    assert loaded['10shot_top1'] != random_init['10shot_top1']
    torch.save(dict(state_dict={'backbone.nope': torch.zeros(1)}), ckpt)
    with pytest.raises(RuntimeError,
                       match='unexpected key in source state_dict: backbone.nope'):
        run(digits_root, tmp_path, ckpt)
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        run(digits_root, tmp_path, str(tmp_path / 'missing.pth'))
