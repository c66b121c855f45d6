"""The standard-benchmark configs (configs/cifar10, configs/cifar100,
configs/imagenet100) through ``tools/train.py``, as users run them, on tiny
files this module writes in the real formats: CIFAR's python pickles (read
by mmcls's own CIFAR10 / CIFAR100) and an image folder (mmcls's
CustomDataset). One epoch of two iterations on a narrow network; the
monitors (online linear probe, kNN) evaluate at its end.

mmcls checks the md5 of every CIFAR pickle against the real archive's, with
no argument to skip it: the runs happen in this process (``tools/train.py``'s
``main``) with the expected sums cleared for the test
(cifar_fakes.accept_fake_cifar_files).
"""
import glob
import math
import os.path as osp

import pytest

from cifar_fakes import (accept_fake_cifar_files, write_fake_cifar10,
                         write_fake_cifar100)
from config_runs import load_checkpoint, logged_iterations, paths_where, train
from imagenet_fakes import write_fake_imagenet
from tool_runs import CONFIGS

METHODS = [
    'mocov2', 'hexa_moco', 'hexa_moco_cutmix', 'deepclusterv2', 'hexa_dcluster'
]
BENCHMARKS = ['cifar10', 'cifar100', 'imagenet100']
#: The configs this module runs end to end (tests/test_configs/
#: test_every_config_is_run.py checks that no shipped config is left out).
STANDARD_BENCHMARK_CONFIGS = [
    f'{benchmark}/{method}_r18_{benchmark}.py' for benchmark in BENCHMARKS
    for method in METHODS
]
#: Classes of each benchmark (the generated ImageNet-100 folder has 3).
NUM_CLASSES = dict(cifar10=10, cifar100=100, imagenet100=100)
#: Training images of the generated sets, and a batch that makes two
#: iterations of them.
IMAGES = dict(cifar10=10, cifar100=10, imagenet100=4)
BATCH = dict(cifar10=5, cifar100=5, imagenet100=2)
#: Feature channels of the narrow ResNet-18 (8 x base_channels 8).
CHANNELS = 64


def _cfg(config):
    from mmengine.config import Config
    return Config.fromfile(osp.join(CONFIGS, config))


@pytest.fixture(scope='module')
def data_roots(tmp_path_factory):
    root = tmp_path_factory.mktemp('standard_benchmarks')
    return dict(
        cifar10=write_fake_cifar10(
            root / 'cifar10', train_per_file=2, test_images=4),
        cifar100=write_fake_cifar100(
            root / 'cifar100', train_images=10, test_images=4),
        # 3 classes: 2 + 1 + 1 training images, one validation image each.
        imagenet100=write_fake_imagenet(root / 'imagenet100', [2, 1, 1], 1))


def _resizes(node):
    return node.get('type') in ('mmcls.ResizeEdge', 'mmcls.CenterCrop')


def tiny_options(config, data_root):
    """``--cfg-options`` that shrink a config to a narrow network, the
    generated files and every monitor evaluated after epoch 1."""
    benchmark = config.split('/')[0]
    cfg = _cfg(config)
    # CIFAR's classes take the folder as data_prefix, CustomDataset as
    # data_root.
    root_key = 'data_root' if benchmark == 'imagenet100' else 'data_prefix'
    options = {
        f'train_dataloader.dataset.{root_key}': data_root,
        'train_dataloader.batch_size': BATCH[benchmark],
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'model.backbone.stem_channels': 8,
        'model.backbone.base_channels': 8,
        'model.neck.in_channels': CHANNELS,
        'model.neck.hid_channels': CHANNELS,
        'default_hooks.logger.interval': 1,
        'train_cfg.max_epochs': 1,
    }
    if 'queue_len' in cfg.model:
        options['model.queue_len'] = 4 * BATCH[benchmark]
    else:
        # The bank holds the data set; k-means needs a sample per cluster.
        options['model.num_samples'] = IMAGES[benchmark]
        options['model.head.num_prototypes'] = 2
    for i, hook in enumerate(cfg.custom_hooks):
        if 'interval' in hook:
            options[f'custom_hooks.{i}.interval'] = 1
        if 'num_workers' in hook:
            options[f'custom_hooks.{i}.num_workers'] = 0
        for split in ('train_dataset', 'val_dataset'):
            if split in hook:
                options[f'custom_hooks.{i}.{split}.{root_key}'] = data_root
    # CPU time: 32-pixel crops instead of 224 (ImageNet-100).
    for key, _ in paths_where(
            cfg.train_dataloader.dataset.pipeline,
            lambda node: node.get('type') == 'TorchRandomResizedCrop'):
        options[f'train_dataloader.dataset.pipeline.{key}.size'] = 32
    for key, step in paths_where(cfg.custom_hooks, _resizes):
        field = 'scale' if 'scale' in step else 'crop_size'
        options[f'custom_hooks.{key}.{field}'] = 32
    return options


def run_log(work_dir):
    (log, ) = glob.glob(osp.join(str(work_dir), '*', '*.log'))
    with open(log) as f:
        return f.read()


@pytest.mark.parametrize('config', STANDARD_BENCHMARK_CONFIGS)
def test_config_trains_on_generated_files_through_train_py(
        config, data_roots, monkeypatch, tmp_path):
    benchmark = config.split('/')[0]
    accept_fake_cifar_files(monkeypatch)
    work_dir = tmp_path / 'work'
    train(config, work_dir, tiny_options(config, data_roots[benchmark]))

    # Two iterations over the generated images, a checkpoint.
    checkpoint = load_checkpoint(work_dir / 'epoch_1.pth')
    assert (checkpoint['meta']['epoch'], checkpoint['meta']['iter']) == (1, 2)
    logs = logged_iterations(work_dir)
    assert [line['iter'] for line in logs] == [1, 2]
    assert all(math.isfinite(line['loss']) for line in logs)
    if 'hexa' in config:
        assert all('loss_mix' in line for line in logs)
        assert all(
            ('loss_adv' in line) == ('cutmix' not in config) for line in logs)
    state = checkpoint['state_dict']
    if 'memory_bank' in state:
        # One bank row per generated image, every row refreshed once.
        assert state['bank_refreshes'].tolist() == [1] * IMAGES[benchmark]

    # The training batches carried labels to the online probe: it trained
    # (its loss is logged), scored the validation split once, and its
    # classifier has the set's classes.
    assert any('online_linear_loss' in line for line in logs)
    probe = checkpoint['online_linear_probe']
    assert [epoch for epoch, _ in probe['history']] == [1]
    assert 0 <= probe['history'][0][1] <= 100
    assert probe['state_dict']['1.weight'].shape == (NUM_CLASSES[benchmark],
                                                     CHANNELS)
    text = run_log(work_dir)
    assert 'OnlineLinearProbeHook: epoch 1 online linear top-1:' in text
    # solo-learn's and lightly's kNN monitor.
    assert 'KNNEvalHook: epoch 1 kNN (k=200, T=0.1) top-1:' in text


def _monitors(cfg):
    probe, = [h for h in cfg.custom_hooks if h.type == 'OnlineLinearProbeHook']
    knn, = [h for h in cfg.custom_hooks if h.type == 'KNNEvalHook']
    return probe, knn


@pytest.mark.parametrize('benchmark', BENCHMARKS)
def test_baselines_follow_solo_learn(benchmark):
    """solo-learn's recipe (scripts/pretrain/{cifar,imagenet-100}): ResNet-18
    (CIFAR stem on CIFAR), torchvision's init, its projectors, MoCo's
    queue and temperature, DeepCluster-V2's 3 x 3000 prototypes over a
    bank of the whole training set, lr per 256 images, epochs, warm-up and
    the kNN monitor's k 200, T 0.1."""
    cifar = benchmark != 'imagenet100'
    moco = _cfg(f'{benchmark}/mocov2_r18_{benchmark}.py')
    dcluster = _cfg(f'{benchmark}/deepclusterv2_r18_{benchmark}.py')
    epochs = 1000 if cifar else 400
    gpus, batch = (1, 256) if cifar else (2, 128)
    for cfg, lr, warmup in ((moco, 0.3, 10), (dcluster, 0.6, 11)):
        backbone = cfg.model.backbone
        assert backbone.type == ('mmcls.ResNet_CIFAR' if cifar else 'ResNet')
        assert (backbone.depth, backbone.zero_init_residual) == (18, False)
        assert backbone.norm_cfg.type == 'SyncBN'
        assert cfg.train_dataloader.batch_size == batch
        assert cfg.optim_wrapper.optimizer.lr == pytest.approx(lr * gpus *
                                                               batch / 256)
        assert cfg.train_cfg.max_epochs == epochs
        warm, cosine = cfg.param_scheduler
        assert (warm.type, warm.end, cosine.begin,
                cosine.end) == ('LinearLR', warmup, warmup, epochs)
        assert all(s.convert_to_iter_based for s in cfg.param_scheduler)
        probe, knn = _monitors(cfg)
        assert (knn.k, knn.temperature) == (200, 0.1)
        assert probe.num_classes == NUM_CLASSES[benchmark]
        # Pre-training reads the training split, the monitors score the
        # held-out one.
        split = 'test_mode' if cifar else 'data_prefix'
        assert knn.train_dataset[split] == (False if cifar else 'train')
        assert knn.val_dataset[split] == probe.val_dataset[split] == (
            True if cifar else 'val')
    assert (moco.model.queue_len,
            moco.model.momentum) == (32768 if cifar else 65536, 0.99)
    assert moco.model.head.temperature == 0.2
    assert (moco.model.neck.hid_channels, moco.model.neck.out_channels,
            moco.model.feat_dim) == (2048, 256, 256)
    assert moco.optim_wrapper.optimizer.weight_decay == 1e-4
    assert moco.param_scheduler[0].start_factor == pytest.approx(0.01)
    head = dcluster.model.head
    assert (head.num_heads, head.num_prototypes, head.temperature) == (3, 3000,
                                                                       0.1)
    assert dcluster.model.num_samples == (50000 if cifar else 126689)
    assert (dcluster.model.neck.hid_channels,
            dcluster.model.neck.out_channels) == (2048, 128)
    assert dcluster.optim_wrapper.optimizer.weight_decay == 1e-6
    assert dcluster.param_scheduler[1].eta_min == 6e-4


@pytest.mark.parametrize('method', METHODS)
def test_cifar100_configs_change_only_the_data(method):
    """Each CIFAR-100 config is its CIFAR-10 sibling on CIFAR-100: data
    set, normalisation and the monitors' 100 classes; the recipe stays."""
    c10 = _cfg(f'cifar10/{method}_r18_cifar10.py')
    c100 = _cfg(f'cifar100/{method}_r18_cifar100.py')
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg',
                'model_wrapper_cfg', 'auto_scale_lr'):
        assert c100.get(key) == c10.get(key), key
    model = c100.model.to_dict()
    preprocessor = model.pop('data_preprocessor')
    sibling = c10.model.to_dict()
    assert preprocessor.pop('mean') != sibling['data_preprocessor'].pop('mean')
    assert preprocessor.pop('std') != sibling['data_preprocessor'].pop('std')
    assert preprocessor == sibling.pop('data_preprocessor')
    assert model == sibling
    data = c100.train_dataloader.dataset.to_dict()
    assert (data.pop('type'), data.pop('data_prefix')) == ('mmcls.CIFAR100',
                                                           'data/cifar100')
    data10 = c10.train_dataloader.dataset.to_dict()
    del data10['type'], data10['data_prefix']
    assert data == data10
    for hook in _monitors(c100):
        for split in ('train_dataset', 'val_dataset'):
            if split in hook:
                assert hook[split].type == 'mmcls.CIFAR100'
    assert [h.type
            for h in c100.custom_hooks] == [h.type for h in c10.custom_hooks]


#: Being removed from the models: no config may set them.
RETIRED_FIELDS = ('hard_bn', 'hard_fraction', 'hard_size', 'reuse_clean_grad',
                  'random_start', 'bn_mode')


@pytest.mark.parametrize('benchmark', BENCHMARKS)
@pytest.mark.parametrize('family',
                         ['hexa_moco', 'hexa_moco_cutmix', 'hexa_dcluster'])
def test_hexa_configs_are_their_baseline_plus_hard_examples(benchmark, family):
    """A HEXA config is its baseline with HEXA's fields only; its loss
    weights sum to 1 (the baseline's gradient scale, as on the embedded
    sets): thirds, or halves with cut-mixed examples only."""
    base = 'deepclusterv2' if 'dcluster' in family else 'mocov2'
    hexa = _cfg(f'{benchmark}/{family}_r18_{benchmark}.py')
    baseline = _cfg(f'{benchmark}/{base}_r18_{benchmark}.py')
    for key in ('train_dataloader', 'optim_wrapper', 'param_scheduler',
                'custom_hooks', 'train_cfg'):
        assert hexa[key] == baseline[key], key
    model, base_model = hexa.model.to_dict(), baseline.model.to_dict()
    hexa_fields = {
        k: model.pop(k)
        for k in list(model) if model[k] != base_model.get(k)
    }
    assert model == {k: v for k, v in base_model.items() if k in model}
    expected = {'type', 'adversarial', 'cutmix', 'w_clean', 'w_adv', 'w_mix'}
    if base == 'mocov2':
        expected.add('head')
        assert hexa_fields['head'] == dict(
            base_model['head'], type='SoftContrastiveHead')
    else:
        expected.add('hard_crops')
        assert tuple(hexa_fields['hard_crops']) == (0, 1)
    assert set(hexa_fields) == expected
    assert hexa_fields['type'] == ('HEXADeepClusterV2'
                                   if base != 'mocov2' else 'HEXAMoCo')
    assert hexa_fields['adversarial'] == dict(
        type='AdversarialGenerator', eps=2 / 255, steps=1)
    assert hexa_fields['cutmix'] == dict(type='CutMixGenerator', alpha=1.0)
    weights = [hexa_fields[k] for k in ('w_clean', 'w_adv', 'w_mix')]
    assert weights == pytest.approx([0.5, 0., 0.5] if 'cutmix' in
                                    family else [1 / 3] * 3)
    assert hexa.model_wrapper_cfg.type == 'TwoPassDistributedDataParallel'
    assert not set(RETIRED_FIELDS) & set(_keys(hexa.model.to_dict()))


def _keys(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _keys(value)
