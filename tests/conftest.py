import copy
import os
import os.path as osp
import sys

import pytest
import torch

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import hexa_mm  # noqa: E402,F401  registers hexa_mm's modules
from mmengine.registry import init_default_scope  # noqa: E402

# What every config of the project sets: unscoped names resolve in MMSelfSup.
init_default_scope('mmselfsup')

# Two cores: one intra-op thread per process keeps the 2-process tests fast.
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

#: A ResNet-18 with a CIFAR stem, 8 base channels: runs in milliseconds on CPU.
TINY_BACKBONE = dict(
    type='mmcls.ResNet_CIFAR',
    depth=18,
    stem_channels=8,
    base_channels=8,
    out_indices=[3],
    norm_cfg=dict(type='BN'))


def tiny_moco_cfg(**overrides) -> dict:
    """A MoCo / HEXAMoCo model config on TINY_BACKBONE (64-d features)."""
    cfg = dict(
        type='MoCo',
        queue_len=64,
        feat_dim=16,
        momentum=0.99,
        data_preprocessor=dict(
            mean=(123.675, 116.28, 103.53),
            std=(58.395, 57.12, 57.375),
            bgr_to_rgb=True),
        backbone=copy.deepcopy(TINY_BACKBONE),
        neck=dict(
            type='MoCoV2Neck',
            in_channels=64,
            hid_channels=64,
            out_channels=16,
            with_avg_pool=True),
        head=dict(
            type='ContrastiveHead',
            loss=dict(type='mmcls.CrossEntropyLoss'),
            temperature=0.2))
    cfg.update(overrides)
    return cfg


def tiny_hexa_cfg(**overrides) -> dict:
    cfg = tiny_moco_cfg(
        type='HEXAMoCo',
        head=dict(
            type='SoftContrastiveHead',
            loss=dict(type='mmcls.CrossEntropyLoss'),
            temperature=0.2),
        adversarial=dict(type='AdversarialGenerator', eps=4 / 255),
        cutmix=dict(type='CutMixGenerator', alpha=1.0, seed=0))
    cfg.update(overrides)
    return cfg


def normalized_batch(n=8, size=16, seed=0):
    """Two views of n random images, normalised like the data preprocessor."""
    g = torch.Generator().manual_seed(seed)
    mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
    views = [(torch.rand(n, 3, size, size, generator=g) * 255 - mean) / std
             for _ in range(2)]
    return views


@pytest.fixture(scope='session')
def digits_root(tmp_path_factory):
    """One export of the embedded digits for the whole session."""
    from hexa_mm.datasets import export_digits
    return str(export_digits(tmp_path_factory.mktemp('data') / 'digits'))
