"""The detection configs' evaluators score predictions whose true metric
values are known: MoCo's VOC AP, COCO's bbox and segm AP."""
import copy

import numpy as np
import pytest
import torch
from mmdet.registry import DATASETS
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData
from pycocotools.coco import COCO

from detection_configs import (C4_1X, C4_2X, FPN_1X, FPN_2X, VOC,
                               data_root_for, load)
from detection_fakes import point_to


def evaluator_and_dataset(config, fake_voc, fake_coco):
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
