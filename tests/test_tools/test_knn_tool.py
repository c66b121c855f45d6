import json
import os.path as osp

import pytest
import torch

from conftest import tiny_moco_cfg
from tool_runs import CONFIGS, load_tool
from mmselfsup.registry import MODELS

knn_tool = load_tool('benchmarks/knn')
TINY = [
    'model.backbone.base_channels=8', 'model.backbone.stem_channels=8',
    'model.neck.in_channels=64', 'model.neck.hid_channels=64',
    'model.neck.out_channels=16', 'model.queue_len=64', 'model.feat_dim=16'
]


def run(digits_root, tmp_path, *extra):
    out = str(tmp_path / 'knn.json')
    result = knn_tool.main([
        osp.join(CONFIGS, 'mocov2_r18_digits.py'), *extra, '--dataset',
        'digits', '--data-root', digits_root, '--k', '20', '--num-workers',
        '0', '--out', out, '--cfg-options', *TINY
    ])
    with open(out) as f:
        assert json.load(f) == result
    return result


def test_scores_the_digits_and_loads_a_checkpoint_strictly(
        tmp_path, digits_root):
    random_init = run(digits_root, tmp_path)
    assert random_init['random_init'] == 'init_cfg'
    assert 40 < random_init['knn_top1'] <= 100  # chance is 10%
    # Seeded: the same random backbone again; PyTorch's init is another one.
    assert run(digits_root, tmp_path) == random_init
    pytorch_init = run(digits_root, tmp_path, '--random-init', 'pytorch')
    assert pytorch_init['random_init'] == 'pytorch'
    assert pytorch_init['knn_top1'] != random_init['knn_top1']
    # A checkpoint of other weights gives another score; a wrong one fails.
    torch.manual_seed(123)
    other = MODELS.build(tiny_moco_cfg(type='MoCo', queue_len=64))
    ckpt = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict=other.state_dict()), ckpt)
    loaded = run(digits_root, tmp_path, ckpt)
    assert loaded['checkpoint'] == ckpt
    assert loaded['knn_top1'] != random_init['knn_top1']
    torch.save(dict(state_dict={'backbone.nope': torch.zeros(1)}), ckpt)
    with pytest.raises(RuntimeError,
                       match='unexpected key in source state_dict: backbone.nope'):
        run(digits_root, tmp_path, ckpt)
