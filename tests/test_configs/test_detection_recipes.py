"""The detection transfer configs' recipes: MoCo's detectron2 schedules,
scales and evaluators, in MMDetection's terms."""
import pytest

from detection_configs import C4_1X, C4_2X, FPN_1X, FPN_2X, VOC, load


def resize_short_sides(pipeline):
    [resize] = [t for t in pipeline if t['type'] == 'RandomChoiceResize']
    assert resize['keep_ratio'] and all(s[0] == 1333 for s in resize['scales'])
    return [s[1] for s in resize['scales']]


def assert_mmdet_at_batch_16_lr_002(cfg):
    """MMDetection's scope with hexa_mm imported, and detectron2's batch 16
    (8 GPUs x 2) at lr 0.02."""
    assert cfg.default_scope == 'mmdet'
    assert cfg.custom_imports == dict(imports=['hexa_mm'],
                                      allow_failed_imports=False)
    assert cfg.train_dataloader.batch_size == 2
    assert cfg.auto_scale_lr.base_batch_size == 16
    assert cfg.optim_wrapper.optimizer.lr == 0.02


def test_voc_recipe_is_mocos():
    cfg = load(VOC)
    assert_mmdet_at_batch_16_lr_002(cfg)
    # 24k iterations, steps 18k / 22k, warm-up.
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
    assert_mmdet_at_batch_16_lr_002(cfg)
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
