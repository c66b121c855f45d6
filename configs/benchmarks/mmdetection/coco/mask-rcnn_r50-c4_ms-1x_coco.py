# Detection transfer, COCO: Mask R-CNN R50-C4, multi-scale training, 1x schedule
# (12 epochs at batch 16 = 8 GPUs x 2 images, about 90k iterations), the COCO
# protocol of MoCo (He et al., CVPR 2020, Sec. 4.2; facebookresearch/moco
# detection/configs/coco_R_50_C4_2x_moco.yaml at half the schedule) that the HEXA paper
# (Li et al., arXiv 2012.13493) follows.
#
# Recipe: SyncBN in the backbone and the C4 shared head (res5 with MoCo's extra
# norm), nothing frozen, BN in training mode; train shorter side 640..800 (step 32),
# test 800; SGD lr 0.02, 1000 linear warm-up iterations (detectron2's default), lr
# x0.1 after epochs 8 and 11; RGB input normalised with the pre-training mean/std.
# Differences from MoCo's detectron2 run: no naiveSyncBN and no PreciseBN in
# MMDetection.
#
#   tools/dist_train.sh \
#       configs/benchmarks/mmdetection/coco/mask-rcnn_r50-c4_ms-1x_coco.py 8 \
#       --cfg-options model.backbone.init_cfg.checkpoint=BACKBONE.pth \
#                     model.roi_head.shared_head.init_cfg.checkpoint=BACKBONE.pth
#
# BACKBONE.pth: tools/model_converters/extract_backbone_weights.py on a pre-training
# checkpoint. Data: data/coco (train2017, val2017, annotations/) in the working
# directory, or a symlink.
_base_ = [
    'mmdet::mask_rcnn/mask-rcnn_r50-caffe-c4_1x_coco.py',
    '../_base_/selfsup_c4.py'
]

default_scope = 'mmdet'
# The backbone's and the shared head's BN (``model`` below), as MMDetection's bases
# name it.
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = {{_base_.selfsup_c4_model}}

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
