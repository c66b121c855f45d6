"""configs/_base_/imagenet_monitoring.py: the opt-in online linear probe and
kNN monitor of the ImageNet pre-training configs, taken by a user config as
its header documents it, run through ``tools/train.py`` on the tiny
ImageNet-style folder (imagenet_fakes), and kept in step with the configs
it monitors."""
import glob
import math
import os.path as osp

import pytest

from config_runs import load_checkpoint, logged_iterations, paths_where, train
from imagenet_fakes import write_fake_imagenet
from tool_runs import CONFIGS

FRAGMENT = osp.join(CONFIGS, '_base_', 'imagenet_monitoring.py')
#: Each ImageNet pre-training config -> the fragment's lists for it.
FAMILIES = {
    'mocov2_r50_200e.py': 'mocov2',
    'hexa_moco_r50_200e.py': 'mocov2',
    'hexa_moco_r50_800e.py': 'mocov2',
    'mocov2_r50_1xb256_200e.py': 'mocov2',
    'hexa_moco_r50_1xb256_200e.py': 'mocov2',
    'deepclusterv2_r50_200e.py': 'deepclusterv2',
    'hexa_dcluster_r50_200e.py': 'deepclusterv2',
    'deepclusterv2_r50_1xb256_200e.py': 'deepclusterv2',
    'hexa_dcluster_r50_1xb256_200e.py': 'deepclusterv2',
    'deepclusterv2_r50_800e.py': 'deepclusterv2_mcrop',
    'hexa_dcluster_r50_800e.py': 'deepclusterv2_mcrop',
}


def test_every_imagenet_pretraining_config_has_its_lists():
    from test_pretrain_configs import IMAGENET_DCLUSTER, IMAGENET_MOCO, ONE_GPU

    # A cut-mix-only config differs from its counterpart in the loss weights
    # alone (test_cutmix_only_configs.py): the counterpart's lists are its.
    assert sorted(FAMILIES) == sorted(
        config for config in IMAGENET_MOCO + IMAGENET_DCLUSTER + ONE_GPU
        if '_cutmix' not in config)


def user_config(folder, config):
    """The three lines of the fragment's header, for ``config``, as a user
    writes them in a config file of their own."""
    family = FAMILIES[config]
    hooks = 'mocov2' if family == 'mocov2' else 'deepclusterv2'
    path = osp.join(str(folder), f'monitored_{config}')
    with open(path, 'w') as f:
        f.write(
            f'_base_ = [{osp.join(CONFIGS, config)!r}, {FRAGMENT!r}]\n'
            'train_dataloader = dict(\n'
            f'    dataset=dict(pipeline={{{{_base_.{family}_labelled_pipeline'
            '}}))\n'
            f'custom_hooks = {{{{_base_.{hooks}_monitored_hooks}}}}\n')
    return path


def _cfg(path):
    from mmengine.config import Config
    return Config.fromfile(path)


@pytest.mark.parametrize('config', sorted(FAMILIES))
def test_monitored_config_is_the_config_plus_labels_and_monitors(
        config, tmp_path):
    """The user config trains what the shipped one does: the same pipeline
    but for gt_label packed, the same hooks followed by the probe and the
    kNN monitor (a test that fails when the shipped configs change their
    pipelines or hooks and the fragment does not)."""
    shipped = _cfg(osp.join(CONFIGS, config))
    monitored = _cfg(user_config(tmp_path, config))
    for key in ('model', 'optim_wrapper', 'param_scheduler', 'train_cfg'):
        assert monitored[key] == shipped[key], key
    pipeline = monitored.train_dataloader.dataset.pipeline
    expected = shipped.train_dataloader.dataset.pipeline
    assert pipeline[:-1] == expected[:-1]
    pack, shipped_pack = pipeline[-1].to_dict(), expected[-1].to_dict()
    keys = pack.pop('algorithm_keys')
    assert keys == shipped_pack.pop('algorithm_keys', []) + ['gt_label']
    assert pack == shipped_pack
    dataset = monitored.train_dataloader.dataset.to_dict()
    shipped_dataset = shipped.train_dataloader.dataset.to_dict()
    del dataset['pipeline'], shipped_dataset['pipeline']
    assert dataset == shipped_dataset
    hooks = [h.to_dict() for h in monitored.custom_hooks]
    assert hooks[:-2] == [h.to_dict() for h in shipped.custom_hooks]
    probe, knn = monitored.custom_hooks[-2:]
    assert (probe.type, probe.num_classes) == ('OnlineLinearProbeHook', 1000)
    assert (knn.type, knn.k, knn.temperature) == ('KNNEvalHook', 200, 0.1)
    # Scored on the validation split, against a class-balanced tenth of the
    # training split.
    assert probe.val_dataset == knn.val_dataset
    assert probe.val_dataset.ann_file == 'meta/val.txt'
    reference = knn.train_dataset
    assert (reference.type, reference.fraction) == ('mmpretrain.LabelSubset',
                                                    0.1)
    assert reference.dataset.ann_file == 'meta/train.txt'


def _resizes(node):
    return node.get('type') in ('mmcls.ResizeEdge', 'mmcls.CenterCrop')


def tiny_options(cfg, data_root):
    """``--cfg-options``: a narrow ResNet-18 on 32-pixel crops of the tiny
    folder, two iterations, both monitors after epoch 1."""
    options = {
        'train_dataloader.dataset.data_root': data_root,
        'train_dataloader.batch_size': 2,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'model.backbone.depth': 18,
        'model.backbone.stem_channels': 8,
        'model.backbone.base_channels': 8,
        'model.neck.in_channels': 64,
        'model.neck.hid_channels': 64,
        'default_hooks.logger.interval': 1,
        'train_cfg.max_epochs': 1,
    }
    if 'queue_len' in cfg.model:
        options['model.queue_len'] = 8
    else:
        options['model.num_samples'] = 4
        options['model.head.num_prototypes'] = 2
    for key, crop in paths_where(
            cfg.train_dataloader.dataset.pipeline,
            lambda node: node.get('type') == 'TorchRandomResizedCrop'):
        options[f'train_dataloader.dataset.pipeline.{key}.size'] = (
            32 if crop['size'] >= 224 else 16)
    for i, hook in enumerate(cfg.custom_hooks):
        if 'interval' in hook:
            options[f'custom_hooks.{i}.interval'] = 1
        if 'num_workers' in hook:
            options[f'custom_hooks.{i}.num_workers'] = 0
    monitors = {
        f'custom_hooks.{i}': hook
        for i, hook in enumerate(cfg.custom_hooks)
    }
    for key, node in paths_where(monitors, lambda node: 'data_root' in node):
        options[f'{key}.data_root'] = data_root
    for key, step in paths_where(monitors, _resizes):
        field = 'scale' if 'scale' in step else 'crop_size'
        options[f'{key}.{field}'] = 32
    return options


@pytest.mark.parametrize(
    'config', ['hexa_moco_r50_200e.py', 'deepclusterv2_r50_800e.py'])
def test_monitored_config_trains_and_logs_both_monitors(config, tmp_path):
    """A user config from the fragment's header, through tools/train.py on
    the tiny ImageNet folder: the labels reach the probe, which trains and
    scores the validation split; the kNN monitor scores it too."""
    root = write_fake_imagenet(tmp_path / 'imagenet', [2, 1, 1], 1)
    path = user_config(tmp_path, config)
    work_dir = tmp_path / 'work'
    train(path, work_dir, tiny_options(_cfg(path), root))

    checkpoint = load_checkpoint(work_dir / 'epoch_1.pth')
    assert checkpoint['meta']['iter'] == 2
    logs = logged_iterations(work_dir)
    assert [line['iter'] for line in logs] == [1, 2]
    assert all(math.isfinite(line['loss']) for line in logs)
    assert any('online_linear_loss' in line for line in logs)
    probe = checkpoint['online_linear_probe']
    assert [epoch for epoch, _ in probe['history']] == [1]
    assert probe['state_dict']['1.weight'].shape == (1000, 64)
    (log, ) = glob.glob(str(work_dir / '*' / '*.log'))
    with open(log) as f:
        text = f.read()
    assert 'OnlineLinearProbeHook: epoch 1 online linear top-1:' in text
    assert 'KNNEvalHook: epoch 1 kNN (k=200, T=0.1) top-1:' in text
