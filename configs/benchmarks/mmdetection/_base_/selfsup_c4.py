# A self-supervised ResNet-50 in MMDetection's R50-C4 detectors (VOC Faster R-CNN,
# COCO Mask R-CNN), as MoCo's detectron2 configs put it: SyncBN in the backbone and
# in the C4 shared head (res5, with MoCo's extra norm after it), nothing frozen, BN
# in training mode, both initialised from the extracted pre-trained backbone, RGB
# input normalised with the pre-training mean/std. A config inherits it beside its
# MMDetection base and merges the block into the base's model:
#     model = {{_base_.selfsup_c4_model}}
# (MMEngine forbids a key in two bases, so it is not ``model`` itself.)

# hexa_mm's compat registers MMSelfSup's ResLayerExtraNorm in MMDetection's MODELS
# (MMSelfSup 1.0.0 and MMPretrain 1.2.0 both register it, which fails without it).
custom_imports = dict(imports=['hexa_mm'], allow_failed_imports=False)

# No default weights: MMDetection's (open-mmlab://, torchvision://) would download
# ImageNet-supervised weights. This placeholder is not a file, so a run that does not
# set both checkpoints stops at weight initialisation with FileNotFoundError quoting
# this text. (tools/test.py loads a trained checkpoint and never reads it.)
backbone_checkpoint = (
    'UNSET backbone checkpoint: add --cfg-options '
    'model.backbone.init_cfg.checkpoint=BACKBONE.pth '
    'model.roi_head.shared_head.init_cfg.checkpoint=BACKBONE.pth (BACKBONE.pth: '
    'tools/model_converters/extract_backbone_weights.py output)')

selfsup_c4_model = dict(
    # RGB, torchvision mean/std, as in pre-training; it must sit in ``model``: the
    # base's is caffe-style BGR (mean [103.53, 116.28, 123.675], std 1). MMSelfSup
    # 1.0.0's COCO C4 configs do put it here; its VOC config defines it at the top
    # level only, where nothing reads it, so its model stays BGR/caffe.
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        frozen_stages=-1,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False,
        style='pytorch',  # stride in the 3x3 conv, as the pre-trained ResNet
        init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint)),
    roi_head=dict(
        # The C4 backbone has 3 stages: res5 (``layer4`` of the checkpoint) is this
        # shared head, so it is initialised from the same backbone checkpoint. The
        # bases give it supervised caffe ImageNet weights (VOC; MMSelfSup 1.0.0
        # keeps them, whatever backbone is benchmarked) or none at all (COCO: random
        # Kaiming weights). Its extra ``norm`` (MoCo's Res5ROIHeadsExtraNorm) has no
        # pre-trained counterpart and starts fresh.
        shared_head=dict(
            type='ResLayerExtraNorm',
            norm_cfg=dict(type='SyncBN', requires_grad=True),
            norm_eval=False,
            style='pytorch',
            init_cfg=dict(type='Pretrained', checkpoint=backbone_checkpoint))))
