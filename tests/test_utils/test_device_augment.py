"""cpu_augment_config: the CPU pipeline it brings back is MMSelfSup's own."""
import copy
import os.path as osp

import pytest
from mmengine.config import Config

from conftest import ROOT
from hexa_mm.utils import cpu_augment_config, uses_device_augment

CONFIGS = osp.join(ROOT, 'configs')


def mmselfsup_cfg(tmp_path, base):
    path = tmp_path / 'base.py'
    path.write_text(f"_base_ = 'mmselfsup::selfsup/_base_/datasets/{base}'\n")
    return Config.fromfile(str(path))


def without_scope(node):
    if isinstance(node, dict):
        return {k: without_scope(v) for k, v in node.items() if k != '_scope_'}
    if isinstance(node, (list, tuple)):
        return [without_scope(v) for v in node]
    return node


@pytest.mark.parametrize('config,base,groups', [
    ('mocov2_r50_200e.py', 'imagenet_mocov2.py', ['view_pipeline']),
    ('hexa_moco_r50_800e.py', 'imagenet_mocov2.py', ['view_pipeline']),
    ('deepclusterv2_r50_800e.py', 'imagenet_swav_mcrop-2-6.py',
     ['view_pipeline1', 'view_pipeline2']),
    ('hexa_dcluster_r50_800e.py', 'imagenet_swav_mcrop-2-6.py',
     ['view_pipeline1', 'view_pipeline2']),
])
def test_cpu_fallback_is_mmselfsups_view_pipeline(config, base, groups,
                                                  tmp_path):
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    assert uses_device_augment(cfg)
    cpu = cpu_augment_config(copy.deepcopy(cfg))
    assert not uses_device_augment(cpu)
    reference = mmselfsup_cfg(tmp_path, base)
    views = cpu.train_dataloader.dataset.pipeline[1]
    assert without_scope(views.transforms) == without_scope(
        [reference[g] for g in groups])
    assert views.num_views == reference.train_pipeline[1].num_views
    pre = cpu.model.data_preprocessor
    assert pre.type == 'SelfSupDataPreprocessor'
    assert dict(pre, type=None) == dict(
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375),
        bgr_to_rgb=True,
        type=None)


def test_deepclusterv2_200e_fallback_is_its_former_cpu_pipeline():
    cpu = cpu_augment_config(
        Config.fromfile(osp.join(CONFIGS, 'deepclusterv2_r50_200e.py')))
    (views, ) = cpu.train_dataloader.dataset.pipeline[1].transforms
    assert views[0] == dict(
        type='RandomResizedCrop', size=224, scale=(0.08, 1.),
        backend='pillow')
    assert without_scope(views[1:]) == without_scope([
        dict(
            type='RandomApply',
            transforms=[
                dict(
                    type='ColorJitter',
                    brightness=0.8,
                    contrast=0.8,
                    saturation=0.8,
                    hue=0.2)
            ],
            prob=0.8),
        dict(
            type='RandomGrayscale',
            prob=0.2,
            keep_channels=True,
            channel_weights=(0.114, 0.587, 0.2989)),
        dict(type='RandomGaussianBlur', sigma_min=0.1, sigma_max=2.0,
             prob=0.5),
        dict(type='RandomFlip', prob=0.5),
    ])


@pytest.mark.parametrize('config', [
    'mocov2_r18_digits.py', 'hexa_moco_r18_digits.py',
    'deepclusterv2_r18_digits.py', 'hexa_dcluster_r18_digits.py'
])
def test_digits_configs_keep_their_own_cpu_pipeline(config):
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    assert not uses_device_augment(cfg)
    assert cfg.model.data_preprocessor.type == 'SelfSupDataPreprocessor'
    for group in cfg.train_dataloader.dataset.pipeline[1].transforms:
        assert [t.type for t in group] == ['RandomResizedCrop', 'RandomApply']


def test_configs_that_cannot_move_are_named():
    digits = Config.fromfile(osp.join(CONFIGS, 'mocov2_r18_digits.py'))
    with pytest.raises(ValueError, match='already'):
        cpu_augment_config(digits)
    cfg = Config.fromfile(osp.join(CONFIGS, 'deepclusterv2_r50_800e.py'))
    cfg.model.data_preprocessor.num_views = [2, 5]
    with pytest.raises(ValueError, match=r'num_views=\[2, 6\].*\[2, 5\]'):
        cpu_augment_config(cfg)
