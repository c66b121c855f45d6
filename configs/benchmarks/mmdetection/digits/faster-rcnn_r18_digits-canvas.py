# Detection transfer at digits scale: Faster R-CNN fine-tuned on the digit canvases
# (hexa_mm/datasets/digit_canvases.py: 64x64 canvases holding 1-3 of the embedded
# digits' scans, upscaled to 16-28 px, boxes tight to the ink, classes '0'..'9';
# trainval from the training digits, test from the 500 validation digits). A CPU-
# sized stand-in for the paper's VOC07+12 benchmark (HEXA, arXiv 2012.13493;
# configs/benchmarks/mmdetection/voc0712/), with the same metrics: VOC07 11-point
# AP at IoU 0.50, 0.55, ..., 0.95 and their mean.
#
# The backbone is the digits pre-training backbone, read from
# configs/_base_/models/digits_resnet18.py (ResNet-18, CIFAR stem: stride 8 at its
# last stage), so weights extracted from a digits pre-training checkpoint load key
# for key. Its last stage is the detector's only feature map (no neck): the RPN
# and the RoI head (Shared2FC) take digits_feat_channels channels, whatever the
# base's width. Canvases are not resized: their scans (16-28 px) are about the
# size of the pre-training's inputs (the base's digits_size). BN in training mode,
# nothing frozen (MoCo's detection recipe, with plain BN: one process). Random
# backbone by default (the baseline); a pre-trained run:
#   python tools/model_converters/extract_backbone_weights.py \
#       work_dirs/mocov2_r18_digits/epoch_25.pth mocov2_backbone.pth
#   python tools/train.py \
#       configs/benchmarks/mmdetection/digits/faster-rcnn_r18_digits-canvas.py \
#       --work-dir work_dirs/det_digits_mocov2 \
#       --cfg-options model.backbone.init_cfg.type=Pretrained \
#                     model.backbone.init_cfg.checkpoint=mocov2_backbone.pth
# Training ends with the test-set evaluation (tools/test.py CONFIG CKPT repeats it).
#
# Schedule: 1000 iterations (about 6 epochs of the 1,354 trainval canvases) at
# batch 8, SGD lr 0.02 (MMDetection's), 100 warm-up iterations, lr x0.1 at 75%;
# minutes on a 2-core CPU at the base's width (README). Another budget changes
# three keys, e.g. 2000 iterations:
#   --cfg-options train_cfg.max_iters=2000 train_cfg.val_interval=2000 \
#       param_scheduler.1.end=2000 "param_scheduler.1.milestones=[1500]"
# Another backbone width (--cfg-options model.backbone.base_channels=W ...) must
# also set model.rpn_head.in_channels, model.roi_head.bbox_roi_extractor.
# out_channels and model.roi_head.bbox_head.in_channels to 8 * W.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    'mmdet::_base_/datasets/voc0712.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
    '../../../_base_/models/digits_resnet18.py',
]
default_scope = 'mmdet'
custom_imports = dict(imports=['hexa_mm'], allow_failed_imports=False)

model = dict(
    # The pre-training's normalisation (MMSelfSup's MoCo-v2 / DeepCluster-v2
    # configs): RGB, ImageNet mean and std. Canvases are 64x64: no padding.
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=8),
    backbone={{_base_.digits_backbone}},  # out_indices [3]: stride 8
    neck=None,
    rpn_head=dict(
        in_channels={{_base_.digits_feat_channels}},
        feat_channels=256,
        # Ink boxes measured on the export: 6-25 px wide, 16-28 px high,
        # height / width 1.1-3.3 (median 1.4). Anchors of 12, 18 and 24 px
        # (x stride 8) with height / width 1, 1.5 and 2 cover them.
        anchor_generator=dict(
            scales=[1.5, 2.25, 3.], ratios=[1.0, 1.5, 2.0], strides=[8])),
    roi_head=dict(
        bbox_roi_extractor=dict(
            out_channels={{_base_.digits_feat_channels}},
            featmap_strides=[8]),
        bbox_head=dict(
            in_channels={{_base_.digits_feat_channels}},
            fc_out_channels=256,
            num_classes=10)),
    # At most 3 objects a canvas: 64 sampled RoIs per image (not 512) keep a
    # quarter of them positive without wasting CPU time on background.
    train_cfg=dict(rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(rpn=dict(nms_pre=300, max_per_img=100)))

# No resizing and no flip (a mirrored digit is another glyph); Resize by 1.0
# records the scale factor that the test-time box rescaling reads.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale_factor=1.0),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale_factor=1.0),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
# Exported there on first use.
data_root = 'data/digit_canvases'
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='DigitCanvasDataset',
        data_root=data_root,
        split='trainval',
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='DigitCanvasDataset',
        data_root=data_root,
        split='test',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# As the VOC07 benchmark: pascal_voc/mAP is the AP over IoU 0.50:0.95,
# pascal_voc/AP50 and AP75 the usual two (fractions, not percent). The thresholds
# are literals: int(t * 100) names each key.
val_evaluator = dict(
    type='VOCMetric',
    metric='mAP',
    eval_mode='11points',
    iou_thrs=[0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95])
test_evaluator = val_evaluator

max_iters = 1000
train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=max_iters)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=100),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iters,
        by_epoch=False,
        milestones=[int(0.75 * max_iters)],
        gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
