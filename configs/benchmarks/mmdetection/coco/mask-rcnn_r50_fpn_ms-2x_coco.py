# Detection transfer, COCO: Mask R-CNN R50-FPN, multi-scale training, 2x schedule: 24
# epochs at batch 16 (8 GPUs x 2 images, about 180k iterations), lr x0.1 after epochs
# 16 and 22. Everything else is the 1x config.
#
# (MMSelfSup 1.0.0's FPN 2x sets this schedule correctly; its C4 2x assigns
# train_cfg twice and trains 12 epochs -- see mask-rcnn_r50-c4_ms-2x_coco.py. Both
# 2x configs here inherit their 1x and set the schedule once.)
#
#   tools/dist_train.sh \
#       configs/benchmarks/mmdetection/coco/mask-rcnn_r50_fpn_ms-2x_coco.py 8 \
#       --cfg-options model.backbone.init_cfg.checkpoint=BACKBONE.pth
_base_ = './mask-rcnn_r50_fpn_ms-1x_coco.py'

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
