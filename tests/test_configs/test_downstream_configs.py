"""Every ImageNet classification and VOC / COCO detection config through
``tools/train.py``, as users run it after pre-training: the extracted backbone
given on the command line, the config's own optimizer, schedule, pipelines,
evaluator and hooks, on tiny fake data sets. Two iterations that save a
checkpoint and validate, then ``--resume`` for more. Overridden, each named in
``*_overrides``: data roots, batch sizes, image sizes (CPU time), and for the
R-CNN heads the number of RoIs, sampled in training and proposed in
validation (CPU time).
"""
import math
import os.path as osp

import pytest

from config_runs import (load_checkpoint, logged_iterations, logged_lines,
                         paths_where, train)
from detection_fakes import write_fake_coco, write_fake_voc
from imagenet_fakes import pretrained_backbone, write_fake_imagenet
from tool_runs import CONFIGS

CLASSIFICATION = [
    f'benchmarks/classification/imagenet/{name}' for name in (
        'resnet50_linear-8xb32-steplr-100e_in1k.py',
        'resnet50_swav-linear-8xb32-coslr-100e_in1k.py',
        'resnet50_semi-1pct-8xb32-steplr-20e_in1k.py',
        'resnet50_semi-10pct-8xb32-steplr-20e_in1k.py',
        'resnet50_ft-8xb32-steplr-20e_in1k.py')
]
VOC = 'benchmarks/mmdetection/voc0712/faster-rcnn_r50-c4_ms-24k_voc0712.py'
COCO = [
    f'benchmarks/mmdetection/coco/{name}' for name in (
        'mask-rcnn_r50-c4_ms-1x_coco.py', 'mask-rcnn_r50-c4_ms-2x_coco.py',
        'mask-rcnn_r50_fpn_ms-1x_coco.py', 'mask-rcnn_r50_fpn_ms-2x_coco.py')
]
#: The configs this module runs end to end.
DOWNSTREAM_CONFIGS = CLASSIFICATION + [VOC] + COCO


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('downstream')
    return dict(
        # 2 training images a class: 6 (3 for the 1% and 10% subsets).
        imagenet=write_fake_imagenet(root / 'imagenet', 2, 1) + '/',
        voc=write_fake_voc(root / 'voc'),
        coco=write_fake_coco(root / 'coco'),
        backbone=pretrained_backbone(root)['backbone'])


def _load(config):
    from mmengine.config import Config
    return Config.fromfile(osp.join(CONFIGS, config))


def data_root_overrides(cfg, root):
    """Every ``data_root`` of the data loaders -> root."""
    options = {}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for key, _ in paths_where(cfg[loader], lambda n: 'data_root' in n):
            options[f'{loader}.{key}.data_root'.replace('..', '.')] = root
    return options


def _sized(cfg, loaders, kind, field, value):
    options = {}
    for loader in loaders:
        for key, _ in paths_where(cfg[loader],
                                  lambda n: n.get('type') == kind):
            options[f'{loader}.{key}.{field}'] = value
    return options


def classification_overrides(config, data):
    cfg = _load(config)
    subset = 'semi' in config
    options = {
        'model.backbone.init_cfg.checkpoint': data['backbone'],
        **data_root_overrides(cfg, data['imagenet']),
        # Two iterations an epoch: 6 images by 3, or a 3-image subset by 2.
        'train_dataloader.batch_size': 2 if subset else 3,
        'default_hooks.logger.interval': 1,
    }
    # CPU time: 64-pixel crops instead of 224.
    options.update(_sized(cfg, ['train_dataloader'], 'RandomResizedCrop',
                          'scale', 64))
    evals = ['val_dataloader', 'test_dataloader']
    options.update(_sized(cfg, evals, 'ResizeEdge', 'scale', 73))
    options.update(_sized(cfg, evals, 'CenterCrop', 'crop_size', 64))
    return options


def detection_overrides(config, data):
    cfg = _load(config)
    root = data['voc'] if config == VOC else data['coco']
    options = {
        'model.backbone.init_cfg.checkpoint': data['backbone'],
        **data_root_overrides(cfg, root),
        # VOC: 4 training images by 2; COCO: 2 by 1 (two iterations).
        'train_dataloader.batch_size': 2 if config == VOC else 1,
        'default_hooks.logger.interval': 1,
        # CPU time: fewer RoIs per image (the R-CNN heads, res5 for C4,
        # run once per RoI), in training and in validation.
        'model.train_cfg.rpn_proposal.max_per_img': 100,
        'model.train_cfg.rcnn.sampler.num': 8,
        'model.test_cfg.rpn.max_per_img': 50,
    }
    if 'roi_head' in cfg.model and 'shared_head' in cfg.model.roi_head:
        options['model.roi_head.shared_head.init_cfg.checkpoint'] = (
            data['backbone'])
    for evaluator in ('val_evaluator', 'test_evaluator'):
        if 'ann_file' in cfg[evaluator]:
            options[f'{evaluator}.ann_file'] = (
                root + cfg[evaluator].ann_file[len(cfg.data_root):])
    # CPU time: shorter sides of 64 / 96 pixels instead of 480..800.
    options.update(_sized(cfg, ['train_dataloader'], 'RandomChoiceResize',
                          'scales', '"[(160,64),(160,96)]"'))
    options.update(_sized(cfg, ['val_dataloader', 'test_dataloader'],
                          'Resize', 'scale', '"(160,96)"'))
    return options


def validation_lines(work_dir, metric):
    return [line[metric] for line in logged_lines(work_dir) if metric in line]


@pytest.mark.parametrize('config', CLASSIFICATION)
def test_classification_config_trains_validates_and_resumes(
        config, data, tmp_path):
    options = classification_overrides(config, data)
    work_dir = tmp_path / 'work'
    train(config, work_dir, {**options, 'train_cfg.max_epochs': 1})
    first = load_checkpoint(work_dir / 'epoch_1.pth')
    assert (first['meta']['epoch'], first['meta']['iter']) == (1, 2)
    train(config, work_dir, {**options, 'train_cfg.max_epochs': 2},
          resume=True)
    second = load_checkpoint(work_dir / 'epoch_2.pth')
    assert (second['meta']['epoch'], second['meta']['iter']) == (2, 4)
    logs = logged_iterations(work_dir)
    assert [line['iter'] for line in logs] == [1, 2, 3, 4]
    assert all(math.isfinite(line['loss']) for line in logs)
    # Validated after each epoch: 3 images, so top-1 is 0, 1/3, 2/3 or 1.
    top1 = validation_lines(work_dir, 'accuracy/top1')
    assert len(top1) == 2
    assert all(round(v * 3 / 100, 6) in (0, 1, 2, 3) for v in top1)


@pytest.mark.parametrize('config', [VOC] + COCO)
def test_detection_config_trains_validates_and_resumes(
        config, data, tmp_path):
    options = detection_overrides(config, data)
    work_dir = tmp_path / 'work'
    if config == VOC:  # iteration-based, 24k iterations
        stop = dict(first=('train_cfg.max_iters', 2, 'iter_2.pth'),
                    second=('train_cfg.max_iters', 3, 'iter_3.pth'))
    else:
        stop = dict(first=('train_cfg.max_epochs', 1, 'epoch_1.pth'),
                    second=('train_cfg.max_epochs', 2, 'epoch_2.pth'))
    key, value, name = stop['first']
    train(config, work_dir, {**options, key: value})
    assert load_checkpoint(work_dir / name)['meta']['iter'] == 2
    key, value, name = stop['second']
    train(config, work_dir, {**options, key: value}, resume=True)
    assert load_checkpoint(work_dir / name)['meta']['iter'] == (
        3 if config == VOC else 4)
    logs = logged_iterations(work_dir)
    assert [line['iter'] for line in logs] == (
        [1, 2, 3] if config == VOC else [1, 2, 3, 4])
    assert all(math.isfinite(line['loss']) for line in logs)
    if config == VOC:
        scores = validation_lines(work_dir, 'pascal_voc/mAP')
        assert len(scores) == 2 and all(0 <= s <= 1 for s in scores)
    else:
        # After two warm-up iterations no box scores the configs' 0.05, and
        # MMDetection's CocoMetric then reports nothing (it logs "results
        # empty"): check that each run validated the whole val set.
        import glob
        text = ''.join(open(p).read() for p in glob.glob(
            str(work_dir / '*' / '*.log')))
        for epoch in (1, 2):
            assert f'Epoch(val) [{epoch}][2/2]' in text
        assert text.count('Evaluating bbox...') == 2
