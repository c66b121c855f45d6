"""The detection transfer configs (configs/benchmarks/mmdetection/voc0712, coco).

Every config is loaded as a user runs it, its pre-trained parts are initialised from
an extracted backbone checkpoint, one real batch of a tiny fake VOC / COCO goes
through its own training pipeline and ``train_step``, and its evaluator scores
predictions whose true metric values are known. The MMSelfSup 1.0.0 bugs that the
configs' comments describe are checked against the installed MMSelfSup configs.
"""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmengine.structures import InstanceData
from tool_runs import CONFIGS

from detection_fakes import (VOC_CLASSES_DOG, point_to, small_scales,
                             write_fake_coco, write_fake_voc)

import mmselfsup
from hexa_mm.utils.checkpoint import extract_backbone, save_backbone

DET_CONFIGS = osp.join(CONFIGS, 'benchmarks', 'mmdetection')
MMSELFSUP_DET_CONFIGS = osp.join(
    osp.dirname(mmselfsup.__file__), '.mim', 'configs', 'benchmarks',
    'mmdetection')

VOC = 'voc0712/faster-rcnn_r50-c4_ms-24k_voc0712.py'
C4_1X = 'coco/mask-rcnn_r50-c4_ms-1x_coco.py'
C4_2X = 'coco/mask-rcnn_r50-c4_ms-2x_coco.py'
FPN_1X = 'coco/mask-rcnn_r50_fpn_ms-1x_coco.py'
FPN_2X = 'coco/mask-rcnn_r50_fpn_ms-2x_coco.py'
ALL = [VOC, C4_1X, C4_2X, FPN_1X, FPN_2X]
C4 = [VOC, C4_1X, C4_2X]

RGB_MEAN = [123.675, 116.28, 103.53]
RGB_STD = [58.395, 57.12, 57.375]
# MoCo's extra norm after res5 (Res5ROIHeadsExtraNorm): new, not pre-trained.
EXTRA_NORM = {
    f'norm.{k}'
    for k in ('weight', 'bias', 'running_mean', 'running_var',
              'num_batches_tracked')
}

def load(config):
    return Config.fromfile(osp.join(DET_CONFIGS, config))


def with_checkpoint(config, path):
    """The config with the command line's overrides for the backbone
    checkpoint (what ``--cfg-options`` does)."""
    cfg = load(config)
    options = {'model.backbone.init_cfg.checkpoint': path}
    if config in C4:
        options['model.roi_head.shared_head.init_cfg.checkpoint'] = path
    cfg.merge_from_dict(options)
    return cfg


def build_model(model_cfg):
    from mmdet.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(copy.deepcopy(model_cfg))


# --------------------------------------------------------------------- fixtures
@pytest.fixture(scope='module')
def backbone_checkpoint(tmp_path_factory):
    """A backbone extracted from a Runner-shaped pre-training checkpoint of
    MMSelfSup's ResNet-50 (the backbone of configs/mocov2_r50_200e.py), every
    tensor random, BN statistics included, so that a tensor that is not loaded
    cannot pass for one that is."""
    from mmselfsup.registry import MODELS
    root = tmp_path_factory.mktemp('pretrain')
    torch.manual_seed(0)
    resnet = MODELS.build(
        dict(type='ResNet', depth=50, in_channels=3, out_indices=[4],
             norm_cfg=dict(type='BN')))
    g = torch.Generator().manual_seed(0)
    state = {}
    for key, value in resnet.state_dict().items():
        if not value.is_floating_point():
            state[key] = torch.full_like(value, 7)
        elif key.endswith('running_var'):
            state[key] = torch.rand(value.shape, generator=g) + 0.5
        else:
            state[key] = torch.randn(value.shape, generator=g) * 0.05
    full = {f'backbone.{k}': v for k, v in state.items()}
    full.update({f'encoder_k.0.{k}': v + 1 for k, v in state.items()})
    torch.save(dict(meta=dict(epoch=200), state_dict=full),
               root / 'epoch_200.pth')
    path = root / 'backbone.pth'
    save_backbone(extract_backbone(root / 'epoch_200.pth'), path)
    saved = torch.load(path, weights_only=True)['state_dict']
    assert set(saved) == set(state)
    return str(path), saved


@pytest.fixture(scope='module')
def fake_voc(tmp_path_factory):
    return write_fake_voc(tmp_path_factory.mktemp('voc'))


@pytest.fixture(scope='module')
def fake_coco(tmp_path_factory):
    return write_fake_coco(tmp_path_factory.mktemp('coco'))


def data_root_for(config, fake_voc, fake_coco):
    return fake_voc if config == VOC else fake_coco


def resize_short_sides(pipeline):
    [resize] = [t for t in pipeline if t['type'] == 'RandomChoiceResize']
    assert resize['keep_ratio'] and all(s[0] == 1333 for s in resize['scales'])
    return [s[1] for s in resize['scales']]


# ------------------------------------------------------------------ the recipes
def test_voc_recipe_is_mocos():
    cfg = load(VOC)
    assert cfg.default_scope == 'mmdet'
    assert cfg.custom_imports == dict(imports=['hexa_mm'],
                                      allow_failed_imports=False)
    # Batch 16 = 8 GPUs x 2; lr 0.02; 24k iterations, steps 18k / 22k, warm-up.
    assert cfg.train_dataloader.batch_size == 2
    assert cfg.auto_scale_lr.base_batch_size == 16
    assert cfg.optim_wrapper.optimizer.lr == 0.02
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.train_cfg.max_iters == 24000
    warmup, steps = cfg.param_scheduler
    assert warmup.type == 'LinearLR' and not warmup.by_epoch
    assert warmup.end == 100
    assert steps.type == 'MultiStepLR' and not steps.by_epoch
    assert steps.milestones == [18000, 22000] and steps.end == 24000
    # VOC07+12 trainval, multi-scale 480..800 step 32; VOC07 test at 800.
    datasets = cfg.train_dataloader.dataset.datasets
    assert [(d.data_prefix.sub_data_root, d.ann_file) for d in datasets] == [
        ('VOC2007/', 'VOC2007/ImageSets/Main/trainval.txt'),
        ('VOC2012/', 'VOC2012/ImageSets/Main/trainval.txt')]
    for d in datasets:
        assert resize_short_sides(d.pipeline) == list(range(480, 801, 32))
    val = cfg.val_dataloader.dataset
    assert val.ann_file == 'VOC2007/ImageSets/Main/test.txt'
    [resize] = [t for t in val.pipeline if t['type'] == 'Resize']
    assert resize.scale == (1333, 800)
    # VOC07 11-point AP at IoU 0.50:0.95.
    assert cfg.val_evaluator.eval_mode == '11points'
    assert cfg.val_evaluator.iou_thrs == [
        0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
    assert cfg.test_evaluator == cfg.val_evaluator


@pytest.mark.parametrize('config', [C4_1X, FPN_1X])
def test_coco_1x_recipe(config):
    cfg = load(config)
    assert cfg.default_scope == 'mmdet'
    assert cfg.custom_imports == dict(imports=['hexa_mm'],
                                      allow_failed_imports=False)
    assert cfg.train_dataloader.batch_size == 2
    assert cfg.auto_scale_lr.base_batch_size == 16
    assert cfg.optim_wrapper.optimizer.lr == 0.02
    assert cfg.train_cfg.type == 'EpochBasedTrainLoop'
    assert cfg.train_cfg.max_epochs == 12
    assert resize_short_sides(cfg.train_dataloader.dataset.pipeline) == list(
        range(640, 801, 32))
    assert cfg.val_evaluator.metric == ['bbox', 'segm']


@pytest.mark.parametrize('one_x,two_x', [(C4_1X, C4_2X), (FPN_1X, FPN_2X)])
def test_2x_trains_twice_the_1x(one_x, two_x):
    a, b = load(one_x), load(two_x)
    assert b.train_cfg.max_epochs == 2 * a.train_cfg.max_epochs == 24
    (warm_a, step_a), (warm_b, step_b) = a.param_scheduler, b.param_scheduler
    assert warm_a == warm_b
    assert step_b.end == 2 * step_a.end == 24
    assert step_b.milestones == [2 * m for m in step_a.milestones] == [16, 22]
    # The last milestone is reached: the lr does decay twice.
    assert max(step_b.milestones) < b.train_cfg.max_epochs
    # Nothing else differs.
    da, db = a.to_dict(), b.to_dict()
    for key in ('train_cfg', 'param_scheduler', 'max_epochs'):
        da.pop(key), db.pop(key)
    assert da == db


def test_mmselfsup_bugs_are_real():
    """What the configs' comments say of MMSelfSup 1.0.0's versions."""
    voc = Config.fromfile(
        osp.join(MMSELFSUP_DET_CONFIGS, 'voc0712',
                 'faster-rcnn_r50-c4_ms-24k_voc0712.py'))
    # RGB preprocessor at the top level; the model keeps the caffe BGR one.
    assert voc.data_preprocessor.mean == RGB_MEAN
    assert voc.model.data_preprocessor.mean == [103.53, 116.28, 123.675]
    assert voc.model.data_preprocessor.bgr_to_rgb is False
    # res5 from supervised caffe weights, whatever backbone is benchmarked.
    assert voc.model.roi_head.shared_head.init_cfg.checkpoint.startswith(
        'open-mmlab://')
    # Its ConcatDataset has no ignore_keys.
    assert 'ignore_keys' not in voc.train_dataloader.dataset
    c4_2x = Config.fromfile(
        osp.join(MMSELFSUP_DET_CONFIGS, 'coco', 'mask-rcnn_r50-c4_ms-2x_coco.py'))
    # "2x": 12 epochs, milestones 16 and 22 never reached.
    assert c4_2x.train_cfg.max_epochs == 12
    assert c4_2x.param_scheduler[1].milestones == [16, 22]
    # res5 of its COCO C4 configs: no pre-trained weights.
    assert 'init_cfg' not in c4_2x.model.roi_head.shared_head


def test_voc_train_set_metainfo_is_one_dict(fake_voc):
    """MMSelfSup's VOC07+12 training set has a list of two metainfo dicts
    (VOC2007's and VOC2012's differ in ``dataset_type``): checkpoints would
    save it as their dataset_meta, which MMDetection's init_detector cannot
    read. Ours has VOC2007's dict, the classes in it."""
    from mmdet.registry import DATASETS
    theirs = Config.fromfile(
        osp.join(MMSELFSUP_DET_CONFIGS, 'voc0712',
                 'faster-rcnn_r50-c4_ms-24k_voc0712.py'))
    with DefaultScope.overwrite_default_scope('mmdet'):
        theirs = DATASETS.build(
            point_to(theirs.train_dataloader.dataset, fake_voc))
        ours = DATASETS.build(
            point_to(load(VOC).train_dataloader.dataset, fake_voc))
    assert isinstance(theirs.metainfo, list)
    assert isinstance(ours.metainfo, dict)
    assert ours.metainfo['classes'][VOC_CLASSES_DOG] == 'dog'
    assert len(ours.metainfo['classes']) == 20
    assert len(ours) == 4  # VOC2007 trainval + VOC2012 trainval


# ------------------------------------------------------- weights and one step
@pytest.mark.parametrize('config', ALL)
def test_unset_checkpoint_stops_loudly(config):
    """No download, no silent random init: without --cfg-options, weight
    initialisation fails, naming the option to set."""
    cfg = load(config)
    parts = [cfg.model.backbone]
    if config in C4:
        parts.append(cfg.model.roi_head.shared_head)
    text = 'model.backbone.init_cfg.checkpoint'
    for part in parts:
        assert part.init_cfg.type == 'Pretrained'
        assert '://' not in part.init_cfg.checkpoint
        module = build_model(part)
        with pytest.raises(FileNotFoundError, match=text):
            module.init_weights()


def assert_rgb_preprocessor(model):
    """The model normalises RGB with the pre-training mean/std: a BGR image
    (as loaded) comes out as (RGB - mean) / std."""
    from mmdet.structures import DetDataSample
    dp = model.data_preprocessor
    img = torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8)
    out = dp(dict(inputs=[img], data_samples=[DetDataSample()]),
             False)['inputs'][0]
    mean = torch.tensor(RGB_MEAN).view(3, 1, 1)
    std = torch.tensor(RGB_STD).view(3, 1, 1)
    torch.testing.assert_close(out, (img.flip(0).float() - mean) / std)


@pytest.mark.parametrize('config', ALL)
def test_pretrained_init_and_train_step(config, backbone_checkpoint,
                                        fake_voc, fake_coco):
    path, state = backbone_checkpoint
    cfg = with_checkpoint(config, path)
    sync_parts = ['backbone'] + (['roi_head.shared_head'] if config in C4 else
                                 ['neck', 'roi_head.bbox_head',
                                  'roi_head.mask_head'])
    for part in sync_parts:
        node = cfg.model
        for key in part.split('.'):
            node = node[key]
        assert node.norm_cfg.type == 'SyncBN', part
    assert cfg.model.backbone.frozen_stages == -1
    assert cfg.model.backbone.norm_eval is False

    # For speed only: few RoIs per image (the R-CNN heads, res5 for C4,
    # dominate the cost of a step).
    cfg.model.train_cfg.rpn_proposal.max_per_img = 100
    cfg.model.train_cfg.rcnn.sampler.num = 8

    model = build_model(cfg.model)
    assert any(isinstance(m, torch.nn.SyncBatchNorm)
               for m in model.backbone.modules())
    model.init_weights()

    # Every backbone tensor from the checkpoint (no missing key), bit for bit.
    loaded = {}
    backbone = model.backbone.state_dict()
    assert set(backbone) - set(state) == set()
    loaded.update(backbone)
    if config in C4:
        head = model.roi_head.shared_head
        assert type(head).__name__ == 'ResLayerExtraNorm'
        assert any(isinstance(m, torch.nn.SyncBatchNorm)
                   for m in head.modules())
        assert not head.norm_eval
        head_state = head.state_dict()
        # res5 from the checkpoint; only MoCo's extra norm is new.
        assert set(head_state) - set(state) == EXTRA_NORM
        loaded.update({k: v for k, v in head_state.items()
                       if k not in EXTRA_NORM})
    # ... and every checkpoint tensor used (C4: stages 1-3 + res5).
    assert set(loaded) == set(state)
    for key, value in loaded.items():
        assert torch.equal(value, state[key]), key
    assert_rgb_preprocessor(model)

    # One real batch from the config's own training pipeline.
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    point_to(loader_cfg, data_root_for(config, fake_voc, fake_coco))
    assert small_scales(loader_cfg) >= 1
    loader_cfg.update(batch_size=2, num_workers=0, persistent_workers=False)
    with DefaultScope.overwrite_default_scope('mmdet'):
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        batch = next(iter(loader))
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert len(batch['inputs']) == 2

    # No weight decay on norm layers (detectron2), 1e-4 elsewhere.
    decay = {id(p): g['weight_decay']
             for g in optim_wrapper.optimizer.param_groups
             for p in g['params']}
    assert decay[id(model.backbone.bn1.weight)] == 0
    assert decay[id(model.backbone.conv1.weight)] == 1e-4

    # SyncBN needs a process group; one CPU process uses plain BN, as
    # MMEngine's Runner does when not distributed.
    model = revert_sync_batchnorm(model)
    assert not any(isinstance(m, torch.nn.SyncBatchNorm)
                   for m in model.modules())
    model.train()
    stem = model.backbone.conv1.weight.detach().clone()
    torch.manual_seed(0)
    losses = model.train_step(batch, optim_wrapper)
    expected = {'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox'}
    if config != VOC:
        expected.add('loss_mask')
    assert expected <= set(losses)
    assert all(torch.isfinite(v).all() for v in losses.values())
    # Nothing frozen: even the stem moved.
    assert not torch.equal(stem, model.backbone.conv1.weight)


# ------------------------------------------------------------------ evaluation
def evaluator_and_dataset(config, fake_voc, fake_coco):
    from mmdet.registry import DATASETS
    cfg = load(config)
    root = data_root_for(config, fake_voc, fake_coco)
    dataset_cfg = point_to(copy.deepcopy(cfg.val_dataloader.dataset), root)
    evaluator_cfg = copy.deepcopy(cfg.val_evaluator)
    if 'ann_file' in evaluator_cfg:
        assert evaluator_cfg.ann_file.startswith(cfg.data_root)
        evaluator_cfg.ann_file = root + evaluator_cfg.ann_file[len(
            cfg.data_root):]
    with DefaultScope.overwrite_default_scope('mmdet'):
        dataset = DATASETS.build(dataset_cfg)
        evaluator = Evaluator(evaluator_cfg)
    evaluator.dataset_meta = dataset.metainfo
    return evaluator, dataset


def legacy_iou(a, b):
    """IoU with VOC's +1 pixel convention (as VOCMetric computes it)."""
    w = min(a[2], b[2]) - max(a[0], b[0]) + 1
    h = min(a[3], b[3]) - max(a[1], b[1]) + 1
    inter = max(w, 0) * max(h, 0)
    area = lambda r: (r[2] - r[0] + 1) * (r[3] - r[1] + 1)  # noqa: E731
    return inter / (area(a) + area(b) - inter)


@pytest.mark.parametrize('shift', [False, True])
def test_voc_metric_is_mocos_ap(shift, fake_voc, fake_coco):
    """Perfect boxes: AP = AP50 = AP75 = 1. Boxes shifted to IoU in
    (0.6, 0.65): AP50 = 1, AP75 = 0, and AP, the mean over IoU 0.50:0.95,
    is 3/10 (0.50, 0.55, 0.60 pass)."""
    evaluator, dataset = evaluator_and_dataset(VOC, fake_voc, fake_coco)
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        boxes = sample.gt_instances.bboxes.tensor.clone()
        if shift:
            widths = boxes[:, 2] - boxes[:, 0] + 1
            # IoU of a box and itself shifted by s: (W - s) / (W + s)
            step = torch.round(widths * (1 - 0.625) / 1.625)
            moved = boxes.clone()
            moved[:, 0] += step
            moved[:, 2] += step
            for a, b in zip(boxes.tolist(), moved.tolist()):
                assert 0.6 < legacy_iou(a, b) < 0.65
            boxes = moved
        sample.pred_instances = InstanceData(
            bboxes=boxes, scores=torch.ones(len(boxes)),
            labels=sample.gt_instances.labels.clone())
        evaluator.process(data_samples=[sample])
    metrics = evaluator.evaluate(len(dataset))
    assert {'pascal_voc/mAP', 'pascal_voc/AP50',
            'pascal_voc/AP75'} <= set(metrics)
    assert len([k for k in metrics if k.startswith('pascal_voc/AP')]) == 10
    expected = (0.3, 1.0, 0.0) if shift else (1.0, 1.0, 1.0)
    got = tuple(metrics[f'pascal_voc/{k}'] for k in ('mAP', 'AP50', 'AP75'))
    assert got == pytest.approx(expected)


@pytest.mark.parametrize('config', [C4_1X, C4_2X, FPN_1X, FPN_2X])
def test_coco_metric_reports_bbox_and_segm_ap(config, fake_voc, fake_coco):
    """Predictions equal to the ground truth (boxes, and masks rasterised from
    the same polygons) score 1.0 bbox and segm AP."""
    from pycocotools.coco import COCO
    evaluator, dataset = evaluator_and_dataset(config, fake_voc, fake_coco)
    coco = COCO(dataset.ann_file)
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[sample.img_id]))
        boxes = torch.tensor([[a['bbox'][0], a['bbox'][1],
                               a['bbox'][0] + a['bbox'][2],
                               a['bbox'][1] + a['bbox'][3]] for a in anns],
                             dtype=torch.float32)
        masks = torch.from_numpy(np.stack([coco.annToMask(a)
                                           for a in anns])).bool()
        assert masks.shape[1:] == sample.ori_shape
        sample.pred_instances = InstanceData(
            bboxes=boxes, scores=torch.ones(len(anns)), masks=masks,
            labels=torch.tensor([dataset.cat2label[a['category_id']]
                                 for a in anns]))
        evaluator.process(data_samples=[sample])
    metrics = evaluator.evaluate(len(dataset))
    for task in ('bbox', 'segm'):
        for key in ('mAP', 'mAP_50', 'mAP_75'):
            assert metrics[f'coco/{task}_{key}'] == pytest.approx(1.0), key
