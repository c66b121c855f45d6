import copy
import os
import os.path as osp
import sys

import pytest
import torch

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..'))
HELPERS = osp.join(ROOT, 'tests', 'helpers')
for path in (ROOT, HELPERS):
    if path not in sys.path:
        sys.path.insert(0, path)

import hexa_mm  # noqa: E402,F401  registers hexa_mm's modules
# The tools' conveniences (CPU launches of DDP code, quick exits), which the
# tests' in-process tool runs and gloo processes need as the tools do.
hexa_mm.compat.apply_conveniences()
from mmengine.logging import MessageHub, MMLogger  # noqa: E402
from mmengine.registry import DefaultScope, init_default_scope  # noqa: E402
from mmengine.visualization import Visualizer  # noqa: E402

# What every config of the project sets: unscoped names resolve in MMSelfSup.
init_default_scope('mmselfsup')


@pytest.fixture(autouse=True)
def mmselfsup_scope():
    """Every test starts in MMSelfSup's scope: a Runner built from an MMPretrain
    or MMDetection config leaves its own scope current for the whole process."""
    with DefaultScope.overwrite_default_scope('mmselfsup'):
        yield


@pytest.fixture(autouse=True)
def own_runner_instances():
    """Every test's Runners get their own logger, visualizer and message hub.

    mmengine keeps these by name, and a Runner names them after the second it
    was built in: a Runner built in the same second as the previous test's
    would reuse that test's, logging into its ``tmp_path`` (removed once the
    test passed) and carrying on its message hub. Cleared after each test as
    mmengine's own ``RunnerTestCase.tearDown`` does.
    """
    yield
    for logger in MMLogger._instance_dict.values():
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
            handler.close()
    # Each class keeps its own instances: MMSelfSup's SelfSupVisualizer too.
    managers = [MMLogger, MessageHub, Visualizer]
    while managers:
        manager = managers.pop()
        managers += manager.__subclasses__()
        manager._instance_dict.clear()


# Intra-op threads: at most two (the 2-process tests), and one per pytest-xdist
# worker, whose processes already share the cores; the processes a test starts
# (tools, gloo ranks) inherit the environment.
if os.environ.get('PYTEST_XDIST_WORKER'):
    os.environ['OMP_NUM_THREADS'] = '1'
    torch.set_num_threads(1)
else:
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


def random_images(n, size, generator):
    """n random valid images, normalised like the data preprocessor."""
    mean = torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)
    std = torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)
    return (torch.rand(n, 3, size, size, generator=generator) * 255 -
            mean) / std


def normalized_batch(n=8, size=16, seed=0):
    """Two views of n random images."""
    g = torch.Generator().manual_seed(seed)
    return [random_images(n, size, g) for _ in range(2)]


def uint8_batch(n=8, sizes=(16, 16), seed=0, data_samples=None):
    """A data loader batch (what ``train_step`` takes): one uint8 view of n
    random images per size."""
    g = torch.Generator().manual_seed(seed)
    return dict(inputs=[torch.randint(0, 256, (n, 3, s, s), generator=g,
                                      dtype=torch.uint8) for s in sizes],
                data_samples=data_samples or [None] * n)


@pytest.fixture(scope='session')
def digits_root(tmp_path_factory):
    """One export of the embedded digits for the whole session."""
    from hexa_mm.datasets import export_digits
    return str(export_digits(tmp_path_factory.mktemp('data') / 'digits'))


def tiny_dcluster_cfg(**overrides) -> dict:
    """A DeepClusterV2 config on TINY_BACKBONE: 2 heads x 4 prototypes."""
    cfg = dict(
        type='DeepClusterV2',
        num_samples=32,
        num_bank_crops=2,
        kmeans_iters=5,
        data_preprocessor=dict(
            mean=(123.675, 116.28, 103.53),
            std=(58.395, 57.12, 57.375),
            bgr_to_rgb=True),
        backbone=copy.deepcopy(TINY_BACKBONE),
        neck=dict(
            type='SwAVNeck',
            in_channels=64,
            hid_channels=64,
            out_channels=16,
            with_avg_pool=True,
            with_l2norm=True,
            norm_cfg=dict(type='BN1d')),
        head=dict(
            type='MultiPrototypeHead',
            num_heads=2,
            num_prototypes=4,
            feat_dim=16,
            temperature=0.1))
    cfg.update(overrides)
    return cfg


def tiny_hexa_dcluster_cfg(**overrides) -> dict:
    cfg = tiny_dcluster_cfg(
        type='HEXADeepClusterV2',
        adversarial=dict(type='AdversarialGenerator', eps=4 / 255),
        cutmix=dict(type='CutMixGenerator', alpha=1.0, seed=0))
    cfg.update(overrides)
    return cfg


def multicrop_batch(index, seed=0):
    """2 crops of 16 px and 2 of 8 px for the samples ``index``, normalised,
    with data samples that carry ``sample_idx``."""
    from mmengine.structures import InstanceData
    from mmselfsup.structures import SelfSupDataSample
    g = torch.Generator().manual_seed(seed)
    n = len(index)
    crops = [random_images(n, s, g) for s in (16, 16, 8, 8)]
    samples = []
    for i in index:
        sample = SelfSupDataSample()
        sample.sample_idx = InstanceData(value=torch.tensor([int(i)]))
        samples.append(sample)
    return crops, samples


@pytest.fixture(scope='session')
def shapes_root(tmp_path_factory):
    """One export of the embedded shapes for the whole session."""
    from hexa_mm.datasets import export_shapes
    return str(export_shapes(tmp_path_factory.mktemp('data') / 'shapes'))


@pytest.fixture(scope='session')
def textures_root(tmp_path_factory):
    """One export of the embedded textures for the whole session."""
    from hexa_mm.datasets import export_textures
    return str(export_textures(tmp_path_factory.mktemp('data') / 'textures'))


@pytest.fixture(scope='module')
def fake_voc(tmp_path_factory):
    """A tiny fake VOC07+12 (tests/test_configs/detection_fakes.py)."""
    from detection_fakes import write_fake_voc
    return write_fake_voc(tmp_path_factory.mktemp('voc'))


@pytest.fixture(scope='module')
def fake_coco(tmp_path_factory):
    """A tiny fake COCO (tests/test_configs/detection_fakes.py)."""
    from detection_fakes import write_fake_coco
    return write_fake_coco(tmp_path_factory.mktemp('coco'))
