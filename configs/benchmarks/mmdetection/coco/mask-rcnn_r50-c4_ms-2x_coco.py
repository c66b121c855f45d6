# Detection transfer, COCO: Mask R-CNN R50-C4, multi-scale training, 2x schedule: 24
# epochs at batch 16 (8 GPUs x 2 images, about 180k iterations), lr x0.1 after epochs
# 16 and 22 -- MoCo's COCO C4 setting (He et al., CVPR 2020; facebookresearch/moco
# detection/configs/coco_R_50_C4_2x_moco.yaml: 180k iterations, steps 120k / 160k).
# Everything else is the 1x config.
#
# MMSelfSup 1.0.0's mask-rcnn_r50-c4_ms-2x_coco.py trains 1x: it sets
# train_cfg max_epochs=24 and milestones [16, 22], then assigns train_cfg a second
# time near its end (``dict(type='EpochBasedTrainLoop', max_epochs=12,
# val_interval=1)``, copied from the 1x file); the later assignment wins, so it
# stops after 12 epochs, before its first milestone: 12 epochs at full lr, no decay.
# Here the 2x inherits the 1x and sets the schedule once.
#
#   tools/dist_train.sh \
#       configs/benchmarks/mmdetection/coco/mask-rcnn_r50-c4_ms-2x_coco.py 8 \
#       --cfg-options model.backbone.init_cfg.checkpoint=BACKBONE.pth \
#                     model.roi_head.shared_head.init_cfg.checkpoint=BACKBONE.pth
_base_ = './mask-rcnn_r50-c4_ms-1x_coco.py'

max_epochs = 24
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
        milestones=[16, 22],
        gamma=0.1)
]
