# Detection transfer, PASCAL VOC: Faster R-CNN R50-C4 fine-tuned on VOC07+12 trainval,
# tested on VOC07 test, 24k iterations: MoCo's detectron2 recipe (He et al., "Momentum
# Contrast for Unsupervised Visual Representation Learning", CVPR 2020, Sec. 4.2 and
# facebookresearch/moco detection/configs/pascal_voc_R_50_C4_24k_moco.yaml), the
# detection protocol of the HEXA paper (Li et al., arXiv 2012.13493).
#
# Recipe: batch 16 (8 GPUs x 2 images), SGD lr 0.02, 100 warm-up iterations, lr x0.1
# at 18k and 22k; train shorter side 480..800 (step 32), test 800; SyncBN in the
# backbone and in the C4 shared head (res5, with MoCo's extra norm after it), nothing
# frozen, BN in training mode; RGB input normalised with the pre-training mean/std.
# Differences from MoCo's detectron2 run: detectron2 syncs BN with "naiveSyncBN" and
# recomputes BN statistics before testing (PreciseBN); MMDetection has neither.
#
#   tools/dist_train.sh \
#       configs/benchmarks/mmdetection/voc0712/faster-rcnn_r50-c4_ms-24k_voc0712.py 8 \
#       --cfg-options model.backbone.init_cfg.checkpoint=BACKBONE.pth \
#                     model.roi_head.shared_head.init_cfg.checkpoint=BACKBONE.pth
#
# BACKBONE.pth: tools/model_converters/extract_backbone_weights.py on a pre-training
# checkpoint. Data: data/VOCdevkit/VOC2007 and VOC2012 (or a symlink) in the working
# directory.
_base_ = [
    'mmdet::pascal_voc/faster-rcnn_r50-caffe-c4_ms-18k_voc0712.py',
    '../_base_/selfsup_c4.py'
]

default_scope = 'mmdet'
# The backbone's and the shared head's BN (``model`` below), as MMDetection's bases
# name it.
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = {{_base_.selfsup_c4_model}}

# The training set concatenates VOC2007 and VOC2012, whose metainfo differ in
# ``dataset_type``. Without ``ignore_keys`` (dropped by MMDetection 3.3's ms-18k
# config, and so by MMSelfSup's copy of it, though MMDetection's voc0712 dataset base
# has it) MMDetection's ConcatDataset makes its metainfo a *list* of both dicts; the
# Runner saves that as the checkpoints' ``dataset_meta``, which MMDetection's
# init_detector / DetInferencer then cannot read (they call ``.items()`` on it).
train_dataloader = dict(dataset=dict(ignore_keys=['dataset_type']))

# 24k iterations at batch 16 (2 per GPU, 8 GPUs), steps at 18k and 22k.
max_iters = 24000
train_cfg = dict(max_iters=max_iters, val_interval=2000)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=100),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iters,
        by_epoch=False,
        milestones=[18000, 22000],
        gamma=0.1)
]
# detectron2 applies no weight decay to normalisation layers
# (SOLVER.WEIGHT_DECAY_NORM = 0).
optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.))
auto_scale_lr = dict(enable=False, base_batch_size=16)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=2000))

# MoCo's numbers are detectron2's PascalVOCDetectionEvaluator on VOC07 test: VOC07
# 11-point AP per class, at IoU 0.50, 0.55, ..., 0.95. MMDetection's VOCMetric
# reports AP50 ... AP95 (one per threshold) and their mean as ``mAP``:
# pascal_voc/mAP is MoCo's "AP", pascal_voc/AP50 and pascal_voc/AP75 its AP50 and
# AP75 (fractions, not percent). The thresholds are literals: int(t * 100) names
# each key, and 0.5 + k * 0.05 is not always exact.
val_evaluator = dict(
    type='VOCMetric',
    metric='mAP',
    eval_mode='11points',
    iou_thrs=[0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95])
test_evaluator = val_evaluator
