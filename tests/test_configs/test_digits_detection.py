"""The digits detection transfer (configs/benchmarks/mmdetection/digits).

The config's backbone is the digits pre-training backbone: weights extracted from a
(shrunk) configs/mocov2_r18_digits.py checkpoint load with every key, and a few
iterations through tools/train.py and a run of tools/test.py give finite losses and
VOC metrics.
"""
import copy
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from tool_runs import CONFIGS, load_tool

from hexa_mm.datasets import export_digit_canvases
from hexa_mm.utils.checkpoint import extract_backbone, save_backbone

CONFIG = osp.join(CONFIGS, 'benchmarks', 'mmdetection', 'digits',
                  'faster-rcnn_r18_digits-canvas.py')
WIDTH = 8  # stem and base channels of the shrunk backbone (real: the base's)
IOU_THRS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]


def width_options(width=WIDTH):
    """What a run at another backbone width overrides."""
    return {
        'model.backbone.stem_channels': width,
        'model.backbone.base_channels': width,
        'model.rpn_head.in_channels': 8 * width,
        'model.roi_head.bbox_roi_extractor.out_channels': 8 * width,
        'model.roi_head.bbox_head.in_channels': 8 * width,
    }


def pretrained_options(path):
    """The command line's way to start from a pre-trained backbone."""
    return {
        'model.backbone.init_cfg.type': 'Pretrained',
        'model.backbone.init_cfg.checkpoint': path
    }


def build_detector(options):
    from mmdet.registry import MODELS
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(options)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    return model


@pytest.fixture(scope='module')
def backbone(tmp_path_factory):
    """(path, state) of the backbone extracted from a shrunk MoCo-v2 digits
    checkpoint whose every tensor holds distinctive values."""
    from mmselfsup.registry import MODELS
    tmp = tmp_path_factory.mktemp('pretrain')
    cfg = Config.fromfile(osp.join(CONFIGS, 'mocov2_r18_digits.py'))
    cfg.merge_from_dict({
        'model.backbone.stem_channels': WIDTH,
        'model.backbone.base_channels': WIDTH,
        'model.neck.in_channels': 8 * WIDTH,
        'model.neck.hid_channels': 8 * WIDTH,
        'model.queue_len': 64,
    })
    with DefaultScope.overwrite_default_scope('mmselfsup'):
        model = MODELS.build(cfg.model)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for key, value in model.state_dict().items():
            if value.is_floating_point():
                value.copy_(torch.randn(value.shape, generator=g))
                if key.endswith('running_var'):
                    value.abs_().add_(0.5)
            else:
                value.fill_(7)
    torch.save({'state_dict': model.state_dict()}, tmp / 'mocov2.pth')
    state = extract_backbone(tmp / 'mocov2.pth')
    save_backbone(state, tmp / 'backbone.pth', source=tmp / 'mocov2.pth')
    return str(tmp / 'backbone.pth'), state


def test_config_takes_the_digits_backbone_and_voc07_metrics():
    cfg = Config.fromfile(CONFIG)
    base = Config.fromfile(
        osp.join(CONFIGS, '_base_', 'models', 'digits_resnet18.py'))
    expected = {k: v for k, v in base.digits_backbone.items() if k != '_delete_'}
    assert cfg.model.backbone.to_dict() == expected
    assert cfg.model.backbone.out_indices == [3]
    channels = base.digits_feat_channels
    assert cfg.model.rpn_head.in_channels == channels
    assert cfg.model.roi_head.bbox_roi_extractor.out_channels == channels
    assert cfg.model.roi_head.bbox_head.in_channels == channels
    assert cfg.model.neck is None
    assert cfg.model.roi_head.bbox_head.num_classes == 10
    # Random backbone unless told; BN trains (batch statistics, updated).
    assert 'init_cfg' not in cfg.model.backbone
    assert not cfg.model.backbone.get('norm_eval', False)
    assert cfg.model.backbone.get('frozen_stages', -1) == -1
    assert cfg.default_scope == 'mmdet'
    assert 'hexa_mm' in cfg.custom_imports.imports
    assert cfg.model.data_preprocessor.bgr_to_rgb
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        assert evaluator.type == 'VOCMetric'
        assert evaluator.eval_mode == '11points'
        assert evaluator.iou_thrs == IOU_THRS
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    step = cfg.param_scheduler[-1]
    assert step.end == cfg.train_cfg.max_iters
    assert all(0 < m < cfg.train_cfg.max_iters for m in step.milestones)
    assert cfg.train_dataloader.batch_size == 8
    assert cfg.train_dataloader.dataset.split == 'trainval'
    assert cfg.test_dataloader.dataset.split == 'test'


def test_pretrained_backbone_loads_every_key(backbone):
    path, state = backbone
    model = build_detector({**width_options(), **pretrained_options(path)})
    loaded = model.backbone.state_dict()
    assert set(loaded) == set(state)  # nothing missing, nothing unexpected
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key
    # Without init_cfg the backbone is random: the baseline.
    random = build_detector(width_options()).backbone.state_dict()
    assert not torch.equal(random['conv1.weight'], state['conv1.weight'])


def test_train_then_test_through_the_tools(backbone, tmp_path):
    path, state = backbone
    data_root = str(export_digit_canvases(tmp_path / 'canvases'))
    options = {
        **width_options(),
        **pretrained_options(path),
        'train_dataloader.dataset.data_root': data_root,
        'train_dataloader.dataset.indices': 16,
        'train_dataloader.batch_size': 4,
        'train_dataloader.num_workers': 0,
        'test_dataloader.dataset.data_root': data_root,
        'test_dataloader.dataset.indices': 16,
        'test_dataloader.num_workers': 0,
        'val_dataloader.dataset.data_root': data_root,
        'val_dataloader.dataset.indices': 16,
        'val_dataloader.num_workers': 0,
        'train_cfg.max_iters': 4,
        'train_cfg.val_interval': 4,
        'param_scheduler.1.end': 4,
        'param_scheduler.1.milestones': [3],
        'default_hooks.logger.interval': 1,
    }
    work_dir = str(tmp_path / 'work')
    args = [CONFIG, '--work-dir', work_dir, '--cfg-options'] + [
        f'{k}={v}'.replace(' ', '') for k, v in options.items()
    ]
    train_tool, test_tool = load_tool('train'), load_tool('test')
    # The Runner makes MMDetection's scope current; give the session its own
    # back afterwards.
    with DefaultScope.overwrite_default_scope('mmdet'):
        runner = Runner.from_cfg(
            train_tool.build_cfg(train_tool.parse_args(args)))
        model = runner.train()
        losses = runner.message_hub.get_scalar('train/loss').data[0]
        ckpt = osp.join(work_dir, 'iter_4.pth')
        metrics = test_tool.main(
            [CONFIG, ckpt, '--work-dir', work_dir, '--cfg-options'] +
            args[args.index('--cfg-options') + 1:])
    assert len(losses) == 4 and all(math.isfinite(v) for v in losses)
    # Fine-tuned from the checkpoint, BN statistics included (training mode).
    trained = model.backbone.state_dict()
    assert not torch.equal(trained['conv1.weight'], state['conv1.weight'])
    assert not torch.equal(trained['bn1.running_mean'],
                           state['bn1.running_mean'])
    keys = {'pascal_voc/mAP'} | {
        f'pascal_voc/AP{int(t * 100):02d}'
        for t in IOU_THRS
    }
    assert keys == set(metrics)
    assert {'pascal_voc/AP50', 'pascal_voc/AP75'} <= keys
    assert all(0 <= metrics[k] <= 1 for k in keys)
    assert metrics['pascal_voc/mAP'] == pytest.approx(
        sum(metrics[k] for k in keys - {'pascal_voc/mAP'}) / 10, abs=1e-3)
