import json
import os.path as osp

import pytest
import torch

from conftest import tiny_moco_cfg
from gloo import run_as_launched
from knn_reference import reference_knn_top1
from tool_runs import CONFIGS, load_tool
from mmselfsup.registry import MODELS

knn_tool = load_tool('benchmarks/knn')
TINY = [
    'model.backbone.base_channels=8', 'model.backbone.stem_channels=8',
    'model.neck.in_channels=64', 'model.neck.hid_channels=64',
    'model.neck.out_channels=16', 'model.queue_len=64', 'model.feat_dim=16'
]


def run(digits_root, tmp_path, *extra, out='knn.json'):
    out = str(tmp_path / out)
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


def _launched_knn(rank, digits_root, tmp_path, ckpt):
    import hexa_mm.evaluation.knn as knn_module
    embed, shares = knn_module.extract_features, []

    def embed_and_count(model, loader):
        shares.append(len(loader.sampler))  # this rank's samples
        return embed(model, loader)

    knn_module.extract_features = embed_and_count
    out = osp.join(tmp_path, 'knn_ddp.json')
    result = knn_tool.main([
        osp.join(CONFIGS, 'mocov2_r18_digits.py'), ckpt, '--dataset',
        'digits', '--data-root', digits_root, '--k', '20', '--num-workers',
        '0', '--batch-size', '100', '--launcher', 'pytorch', '--out', out,
        '--cfg-options', *TINY
    ])
    # Every rank gets the figure; rank 0 writes it.
    with open(osp.join(tmp_path, f'rank{rank}.json'), 'w') as f:
        json.dump(dict(result, shares=shares), f)


@pytest.mark.timeout(300)
def test_two_processes_give_the_one_process_figure(tmp_path, digits_root):
    """--launcher pytorch, 2 gloo processes: each embeds its share (the
    batch size leaves the ranks uneven), the figure is the one process's
    and the kNN computed here from the checkpoint's features."""
    torch.manual_seed(7)
    model = MODELS.build(tiny_moco_cfg(type='MoCo', queue_len=64))
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    single = run(digits_root, tmp_path, ckpt, out='knn_single.json')
    run_as_launched(_launched_knn, digits_root, str(tmp_path), ckpt)
    with open(tmp_path / 'knn_ddp.json') as f:
        ddp = json.load(f)
    assert ddp == single
    for rank in (0, 1):
        with open(tmp_path / f'rank{rank}.json') as f:
            got = json.load(f)
        assert got['knn_top1'] == single['knn_top1']
        # Each rank embedded half of the 1,297 training and 500 validation
        # digits (the sampler pads the odd one).
        assert got['shares'] == [649, 250], rank
    assert single['knn_top1'] == pytest.approx(
        reference_knn_top1(model, digits_root, k=20, temperature=0.1),
        abs=1e-3)
