"""The one-GPU ImageNet configs train through tools/train.py (CPU, a fake
ImageNet, ResNet-50 at 32 px, 2 iterations)."""
import os.path as osp
import sys

import pytest
import torch

from hexa_mm.models.utils import SplitBatchNorm2d
from tool_runs import CONFIGS, ROOT, run_tool, train_tool

# The fake ImageNet of the benchmark configs' tests.
sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'test_configs'))
from imagenet_fakes import write_fake_imagenet  # noqa: E402


@pytest.fixture(scope='module')
def fake_imagenet(tmp_path_factory):
    # 3 classes x 11 images: 33, of which 2 batches of 16 (drop_last).
    return write_fake_imagenet(tmp_path_factory.mktemp('in1k'), 11, 2)


def small_run_options(data_root, family):
    """Batch 16 (2 images per split), 32-pixel crops, no workers, 1 epoch."""
    opts = {
        'train_dataloader.dataset.data_root': data_root,
        'train_dataloader.batch_size': 16,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'train_cfg.max_epochs': 1,
        'default_hooks.logger.interval': 1,
        'train_dataloader.dataset.pipeline.1.transforms.0.0.size': 32,
    }
    if family == 'moco':
        opts['model.queue_len'] = 64
    else:
        opts.update({'model.num_samples': 33, 'model.head.num_prototypes': 4})
    return [f'{k}={v}' for k, v in opts.items()]


@pytest.mark.parametrize('config', ['mocov2_r50_1xb256_200e.py',
                                    'hexa_moco_r50_1xb256_200e.py'])
def test_moco_one_gpu_configs_train_with_split_bn(config, tmp_path,
                                                  fake_imagenet):
    args = [osp.join(CONFIGS, config), '--work-dir', str(tmp_path / 'work')]
    cfg = train_tool.build_cfg(train_tool.parse_args(args))
    # The 8 x 32 recipe in one process: 8 sub-batches of 32.
    assert cfg.train_dataloader.batch_size == 256
    assert cfg.model.backbone.norm_cfg == dict(type='SplitBN', num_splits=8)
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=256)
    assert cfg.optimizer.lr == 0.03

    out = run_tool([
        sys.executable, osp.join(ROOT, 'tools', 'train.py'), *args,
        '--cfg-options', *small_run_options(fake_imagenet, 'moco')
    ], cwd=tmp_path)
    # MMEngine scaled the lr to the batch: 0.03 * 16 / 256.
    assert 'LR is set based on batch size of 256 and the current batch ' \
        'size is 16. Scaling the original LR by 0.0625.' in out
    ckpt = torch.load(tmp_path / 'work' / 'epoch_1.pth', map_location='cpu',
                      weights_only=False)
    assert ckpt['meta']['iter'] == 2
    assert int(ckpt['state_dict']['queue_ptr']) == 32
    # Both encoders' BN layers trained (running statistics moved).
    for prefix in ('backbone.', 'encoder_k.module.0.'):
        assert int(ckpt['state_dict'][prefix + 'bn1.num_batches_tracked']) \
            >= 2


@pytest.mark.parametrize('config', ['deepclusterv2_r50_1xb256_200e.py',
                                    'hexa_dcluster_r50_1xb256_200e.py'])
def test_deepcluster_one_gpu_configs_drop_syncbn_and_scale_lr(config,
                                                             tmp_path):
    from mmselfsup.registry import MODELS
    args = [osp.join(CONFIGS, config), '--work-dir', str(tmp_path),
            '--cfg-options', 'model.num_samples=4096']
    cfg = train_tool.build_cfg(train_tool.parse_args(args))
    assert cfg.train_dataloader.batch_size == 256
    assert cfg.model.backbone.norm_cfg.type == 'BN'
    assert cfg.model.neck.norm_cfg.type == 'BN1d'
    # LARS lr 0.6 at 8 x 64, scaled by MMEngine to the one process's 256.
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=512)
    assert cfg.optimizer.lr == 0.6
    # Builds without a process group (SyncBN would need one to train).
    model = MODELS.build(cfg.model)
    assert not any('Sync' in type(m).__name__ for m in model.modules())
    assert not any(isinstance(m, SplitBatchNorm2d) for m in model.modules())
