"""Every pre-training config through ``tools/train.py``, as users run it.

The config's own ``optim_wrapper``, ``param_scheduler``, hooks, data loader
(its ``num_workers`` included) and JPEG pipeline, on a tiny ImageNet-style
folder this test writes (or the embedded digits): one epoch of two iterations
that saves a checkpoint, then ``--resume`` from it for a second epoch. Only what
one CPU process cannot hold in a test's time is overridden, each override named
in ``cpu_overrides``. SyncBN needs no override: MMEngine's Runner reverts it to
BN in a non-distributed run.
"""
import math
import os.path as osp

import pytest
import torch

from config_runs import (load_checkpoint, logged_iterations, paths_where,
                         scheduled_lrs, train)
from imagenet_fakes import write_fake_imagenet
from tool_runs import CONFIGS

IMAGENET_MOCO = ['mocov2_r50_200e.py', 'hexa_moco_r50_200e.py',
                 'hexa_moco_r50_800e.py', 'hexa_moco_cutmix_r50_200e.py']
IMAGENET_DCLUSTER = ['deepclusterv2_r50_200e.py', 'deepclusterv2_r50_800e.py',
                     'hexa_dcluster_r50_200e.py', 'hexa_dcluster_r50_800e.py',
                     'hexa_dcluster_cutmix_r50_200e.py']
#: One process x 256 images (split BN for the MoCo family).
ONE_GPU = ['mocov2_r50_1xb256_200e.py', 'hexa_moco_r50_1xb256_200e.py',
           'hexa_moco_cutmix_r50_1xb256_200e.py',
           'deepclusterv2_r50_1xb256_200e.py',
           'hexa_dcluster_r50_1xb256_200e.py',
           'hexa_dcluster_cutmix_r50_1xb256_200e.py']
DIGITS = ['mocov2_r18_digits.py', 'hexa_moco_r18_digits.py',
          'hexa_moco_cutmix_r18_digits.py', 'deepclusterv2_r18_digits.py',
          'hexa_dcluster_r18_digits.py', 'hexa_dcluster_cutmix_r18_digits.py']
#: The digits recipe on the embedded shapes.
SHAPES = ['mocov2_r18_shapes.py', 'hexa_moco_r18_shapes.py',
          'hexa_moco_cutmix_r18_shapes.py', 'deepclusterv2_r18_shapes.py',
          'hexa_dcluster_r18_shapes.py', 'hexa_dcluster_cutmix_r18_shapes.py']
#: The recipe on the held-out textures (no choice is made on them).
TEXTURES = ['mocov2_r18_textures.py', 'hexa_moco_r18_textures.py',
            'hexa_moco_cutmix_r18_textures.py', 'deepclusterv2_r18_textures.py',
            'hexa_dcluster_r18_textures.py',
            'hexa_dcluster_cutmix_r18_textures.py']
#: The embedded sets' configs: a few images of the set, no size override.
EMBEDDED = DIGITS + SHAPES + TEXTURES
#: The configs this module runs end to end (tests/test_configs/
#: test_every_config_is_run.py checks that no shipped config is left out).
PRETRAIN_CONFIGS = (IMAGENET_MOCO + IMAGENET_DCLUSTER + ONE_GPU + DIGITS +
                    SHAPES + TEXTURES)
#: One ImageNet config keeps the real 224-pixel crops.
FULL_SIZE = 'mocov2_r50_200e.py'
IMAGES = 4  # two iterations an epoch
BATCH = 2


@pytest.fixture(scope='module')
def tiny_imagenet(tmp_path_factory):
    return write_fake_imagenet(
        tmp_path_factory.mktemp('pretrain_imagenet'), [2, 1, 1], 1)


def cpu_overrides(config, data_root, batch=BATCH):
    """``--cfg-options`` for one CPU process in a test, each with its reason."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    options = {
        # The tiny data set, and one process's share of a batch.
        'train_dataloader.dataset.data_root': data_root,
        'train_dataloader.batch_size': batch,
        # Every iteration logged, so that the test reads each one's lr.
        'default_hooks.logger.interval': 1,
    }
    if config in EMBEDDED:
        options['train_dataloader.dataset.indices'] = IMAGES
        # The online probe scores the same export, not one under data/.
        for i, hook in enumerate(cfg.custom_hooks):
            if 'val_dataset' in hook:
                options[f'custom_hooks.{i}.val_dataset.data_root'] = data_root
    else:
        # Two loader workers (two cores) instead of 8.
        options['train_dataloader.num_workers'] = 2
        # CPU time: crops of 64 / 32 pixels instead of 224 / 96.
        for key, crop in paths_where(
                cfg.train_dataloader.dataset.pipeline,
                lambda node: node.get('type') == 'RandomResizedCrop'):
            if config != FULL_SIZE:
                options[f'train_dataloader.dataset.pipeline.{key}.size'] = (
                    64 if crop['size'] >= 224 else 32)
    if cfg.model.backbone.norm_cfg.type == 'SplitBN':
        # A batch of 2 splits into 2 at most.
        options['model.backbone.norm_cfg.num_splits'] = batch
    if 'queue_len' in cfg.model:
        # A queue longer than the tiny run's keys is fine (MoCo fills it with
        # random unit vectors); it must only divide by the batch.
        assert cfg.model.queue_len % batch == 0
    else:
        # The bank holds the data set; k-means needs a sample per cluster.
        options['model.num_samples'] = IMAGES
        options['model.head.num_prototypes'] = 2
    return options


@pytest.mark.parametrize('config', PRETRAIN_CONFIGS)
def test_config_trains_checkpoints_and_resumes_through_train_py(
        config, tiny_imagenet, digits_root, shapes_root, textures_root,
        tmp_path):
    data_root = (digits_root if config in DIGITS else
                 shapes_root if config in SHAPES else
                 textures_root if config in TEXTURES else tiny_imagenet)
    options = cpu_overrides(config, data_root)
    work_dir = tmp_path / 'work'
    lrs = scheduled_lrs(config, options, iters_per_epoch=2, iters=4)

    train(config, work_dir, {**options, 'train_cfg.max_epochs': 1})
    first = load_checkpoint(work_dir / 'epoch_1.pth')
    assert (first['meta']['epoch'], first['meta']['iter']) == (1, 2)
    logs = logged_iterations(work_dir)
    assert [line['iter'] for line in logs] == [1, 2]
    assert all(math.isfinite(line['loss']) for line in logs)
    assert [line['lr'] for line in logs] == pytest.approx(lrs[:2], rel=1e-6)

    train(config, work_dir, {**options, 'train_cfg.max_epochs': 2},
          resume=True)
    second = load_checkpoint(work_dir / 'epoch_2.pth')
    assert (second['meta']['epoch'], second['meta']['iter']) == (2, 4)
    logs = logged_iterations(work_dir)
    # The resumed run continues the schedule where the first one stopped.
    assert [line['iter'] for line in logs] == [1, 2, 3, 4]
    assert [line['lr'] for line in logs[2:]] == pytest.approx(
        lrs[2:], rel=1e-6)
    assert all(math.isfinite(line['loss']) for line in logs)
    stem = next(k for k in first['state_dict']
                if k.startswith('backbone.conv1.weight'))
    assert not torch.equal(first['state_dict'][stem],
                           second['state_dict'][stem])
    if config not in EMBEDDED:
        # Views augmented by the data preprocessor, one draw per batch (the
        # DeepCluster bank's filling pass too), its random state carried
        # through the resume.
        draws = 4 + (0 if 'moco' in config else IMAGES // BATCH)
        assert int(second['state_dict']['data_preprocessor.aug_draws']) == (
            draws)
    groups = second['optimizer']['param_groups']
    if config in IMAGENET_DCLUSTER:
        # SwAV: LARS and weight decay on every parameter, in one group.
        assert len(groups) == 1
        assert groups[0]['weight_decay'] == 1e-6
        assert groups[0].get('lars_exclude', False) is False


@pytest.mark.parametrize('config', IMAGENET_MOCO + IMAGENET_DCLUSTER)
def test_imagenet_recipe(config):
    """The published recipes: MoCo-v2 (MMSelfSup's 8 x 32) and DeepCluster-v2
    (SwAV's main_deepclusterv2.py, scaled from 64 x 64 to 8 x 64)."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    epochs = 800 if '800e' in config else 200
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.model.backbone.depth == 50
    if config in IMAGENET_MOCO:
        # Per-GPU BN with MoCo's shuffle BN, not SyncBN.
        assert cfg.model.backbone.norm_cfg.type == 'BN'
        assert cfg.train_dataloader.batch_size == 32
        assert (cfg.model.queue_len, cfg.model.momentum) == (65536, 0.999)
        assert cfg.model.head.temperature == 0.2
        assert cfg.optim_wrapper.optimizer.lr == 0.03
        return
    assert cfg.train_dataloader.batch_size == 64
    assert cfg.model.backbone.norm_cfg.type == 'SyncBN'
    head = cfg.model.head
    assert (head.num_heads, head.num_prototypes, head.feat_dim,
            head.temperature) == (3, 3000, 128, 0.1)
    assert cfg.model.neck.out_channels == 128
    assert cfg.model.backbone.zero_init_residual is False
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.weight_decay,
            optimizer.momentum, optimizer.eta) == ('LARS', 0.6, 1e-6, 0.9,
                                                   1e-3)
    assert 'paramwise_cfg' not in cfg.optim_wrapper
    warmup, cosine = cfg.param_scheduler
    # 0.3 -> 4.8 -> 0.0048 at 4096 images a step, times 512 / 4096.
    assert warmup.start_factor * optimizer.lr == pytest.approx(0.3 / 8)
    assert (warmup.begin, warmup.end) == (0, 10)
    # The final lr is a ratio of the peak, so that auto_scale_lr scales both.
    assert cosine.eta_min_ratio == pytest.approx(1e-3)
    assert 'eta_min' not in cosine
    assert (cosine.begin, cosine.end, cosine.T_max) == (10, epochs,
                                                         epochs - 10)
    crops = [t for t in cfg.train_dataloader.dataset.pipeline[1].transforms]
    sizes = [group[0]['size'] for group in crops]
    assert sizes == ([224, 96] if '800e' in config else [224])


@pytest.mark.parametrize('config', SHAPES)
def test_shapes_configs_keep_the_digits_recipe(config):
    """One recipe family: the shapes configs change the data (set, colour
    jitter, the bank's size), the number of epochs and, for the DeepCluster
    family, the low-resolution crops (off); not the method, network, input,
    crop scales, optimizer or the schedule's shape."""
    from mmengine.config import Config
    shapes = Config.fromfile(osp.join(CONFIGS, config))
    digits = Config.fromfile(
        osp.join(CONFIGS, config.replace('_shapes', '_digits')))
    for key in ('optim_wrapper', 'randomness', 'default_hooks'):
        assert shapes[key] == digits[key], key
    assert (digits.train_cfg.max_epochs, shapes.train_cfg.max_epochs) == (25,
                                                                          100)
    assert shapes.max_epochs == shapes.train_cfg.max_epochs
    # The digits' cosine schedule, stretched over the shapes' epochs.
    stretched = [
        dict(s, T_max=100, end=100) for s in digits.param_scheduler
    ]
    assert shapes.param_scheduler == stretched
    assert shapes.train_dataloader.batch_size == (
        digits.train_dataloader.batch_size)
    model = shapes.model.to_dict()
    if 'num_samples' in model:
        assert model.pop('num_samples') == 2000
        digits.model.pop('num_samples')
    assert model == digits.model.to_dict()
    dataset = shapes.train_dataloader.dataset
    assert (dataset.type, dataset.split) == ('ShapesDataset', 'train')
    views, digits_views = (dataset.pipeline[1],
                           digits.train_dataloader.dataset.pipeline[1])
    # The digits' high-resolution crops; the DeepCluster family drops its
    # 8-pixel crops on the shapes: they cut the outline.
    assert views.transforms[0][0] == digits_views.transforms[0][0]
    assert views.num_views == 2 and len(views.transforms) == 1
    probe, = [h for h in shapes.custom_hooks
              if h.type == 'OnlineLinearProbeHook']
    assert probe.val_dataset.type == 'ShapesDataset'
    assert [h.type for h in shapes.custom_hooks] == [
        h.type for h in digits.custom_hooks]


@pytest.mark.parametrize('dataset', ['digits', 'shapes', 'textures'])
@pytest.mark.parametrize('algorithm', ['hexa_moco', 'hexa_dcluster'])
def test_cutmix_configs_are_hexa_without_adversarial_examples(
        algorithm, dataset):
    """Each HEXA algorithm with cut-mixed examples only: the paper's config
    with its adversarial term off and the two left weighed a half each."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmselfsup.registry import MODELS
    cutmix = Config.fromfile(
        osp.join(CONFIGS, f'{algorithm}_cutmix_r18_{dataset}.py'))
    paper = Config.fromfile(osp.join(CONFIGS, f'{algorithm}_r18_{dataset}.py'))
    init_default_scope('mmselfsup')
    model = MODELS.build(cutmix.model)
    # No adversarial generator is built, so no attack pass is paid for.
    assert model.adversarial is None and model.cutmix is not None
    for key in ('optim_wrapper', 'param_scheduler', 'train_dataloader',
                'custom_hooks', 'train_cfg'):
        assert cutmix[key] == paper[key], key
    weights = {k: cutmix.model.pop(k) for k in ('w_clean', 'w_adv', 'w_mix')}
    assert weights == dict(w_clean=0.5, w_adv=0., w_mix=0.5)
    for key in weights:
        paper.model.pop(key)
    assert cutmix.model == paper.model


@pytest.mark.parametrize('config', [c for c in PRETRAIN_CONFIGS
                                    if c.startswith('hexa_')])
def test_hexa_loss_weights(config):
    """One weighting convention for both families and every scale: the
    terms' weights sum to 1, the base algorithm's gradient scale at its lr
    (configs/_base_/models/hexa_*.py): thirds for the paper's three terms,
    halves for the cut-mix-only configs' two."""
    from mmengine.config import Config
    model = Config.fromfile(osp.join(CONFIGS, config)).model
    weights = [model.w_clean, model.w_adv, model.w_mix]
    expected = [1 / 2, 0., 1 / 2] if 'cutmix' in config else [1 / 3] * 3
    assert weights == pytest.approx(expected)


def test_auto_scale_lr_scales_deepcluster_v2s_final_lr_too():
    """One GPU x 256 images: MMEngine scales the peak lr 0.6 at 512 to 0.3,
    and the cosine's end follows at peak / 1000 (a fixed eta_min would have
    stayed at the 8-GPU recipe's 6e-4, twice that)."""
    config = 'deepclusterv2_r50_1xb256_200e.py'
    lrs = scheduled_lrs(config, {}, iters_per_epoch=1, iters=201)
    assert max(lrs) == pytest.approx(0.3)
    # The cosine's last step, one iteration short of its end.
    eta_min = 0.3e-3
    last = eta_min + (0.3 - eta_min) * (1 + math.cos(math.pi * 189 / 190)) / 2
    assert lrs[-1] == pytest.approx(last, rel=1e-6)
