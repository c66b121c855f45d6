# Detection transfer, COCO: Mask R-CNN R50-FPN, multi-scale training, 1x schedule
# (12 epochs at batch 16 = 8 GPUs x 2 images, about 90k iterations), MoCo's FPN
# setting (He et al., CVPR 2020, Sec. 4.2: SyncBN in the backbone, FPN and heads),
# followed by the HEXA paper (Li et al., arXiv 2012.13493).
#
# Recipe: SyncBN in the backbone, the FPN, the 4conv-1fc box head and the mask head;
# nothing frozen, BN in training mode; train shorter side 640..800 (step 32), test
# 800; SGD lr 0.02, 1000 linear warm-up iterations (detectron2's default), lr x0.1
# after epochs 8 and 11; RGB input normalised with the pre-training mean/std.
#
#   tools/dist_train.sh \
#       configs/benchmarks/mmdetection/coco/mask-rcnn_r50_fpn_ms-1x_coco.py 8 \
#       --cfg-options model.backbone.init_cfg.checkpoint=BACKBONE.pth
#
# BACKBONE.pth: tools/model_converters/extract_backbone_weights.py on a pre-training
# checkpoint. Data: data/coco (train2017, val2017, annotations/) in the working
# directory, or a symlink.
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'

default_scope = 'mmdet'
custom_imports = dict(imports=['hexa_mm'], allow_failed_imports=False)

# No default weights: the base's (torchvision://resnet50) would download ImageNet-
# supervised weights. This placeholder is not a file, so a run that does not set the
# checkpoint stops at weight initialisation with FileNotFoundError quoting this text.
# (tools/test.py loads a trained checkpoint and never reads it.)
backbone_checkpoint = (
    'UNSET backbone checkpoint: add --cfg-options '
    'model.backbone.init_cfg.checkpoint=BACKBONE.pth (BACKBONE.pth: '
    'tools/model_converters/extract_backbone_weights.py output)')

norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    # RGB, torchvision mean/std, as in pre-training, in ``model`` where the detector
    # reads it. The base's is already this one (MMSelfSup 1.0.0's VOC config, by
    # contrast, puts its RGB preprocessor at the top level of the config, where
    # nothing reads it); stated here so that the benchmark does not depend on it.
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint)),
    neck=dict(norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='RandomChoiceResize',
        scales=[(1333, 640), (1333, 672), (1333, 704), (1333, 736),
                (1333, 768), (1333, 800)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# 1x: 12 epochs, lr x0.1 after epochs 8 and 11. The 2x config doubles both.
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
        end=1000),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[8, 11],
        gamma=0.1)
]
# detectron2 applies no weight decay to normalisation layers
# (SOLVER.WEIGHT_DECAY_NORM = 0).
optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.))
auto_scale_lr = dict(enable=False, base_batch_size=16)
