# Linear probe, MoCo's protocol: a linear classifier on the pooled 2048-d
# features of a frozen pre-trained ResNet-50 (He et al., MoCo, CVPR 2020, and
# MoCo v2, arXiv 2003.04297: main_lincls.py; HEXA, arXiv 2012.13493, reports
# its linear top-1 for HEXA-MoCo under it). SGD lr 30, momentum 0.9, weight
# decay 0, 100 epochs, lr x0.1 at epochs 60 and 80, 8 GPUs x 32 = 256 images;
# RandomResizedCrop 224 + flip for training, resize 256 / center crop 224 for
# validation (PIL, like torchvision's); top-1 and top-5.
#
# The other ImageNet benchmarks of this folder inherit this file: it holds the
# one definition of the pre-trained backbone.
_base_ = [
    'mmpretrain::_base_/models/resnet50.py',
    'mmpretrain::_base_/datasets/imagenet_bs32_pil_resize.py',
    'mmpretrain::_base_/schedules/imagenet_sgd_steplr_100e.py',
    'mmpretrain::_base_/default_runtime.py',
]
default_scope = 'mmpretrain'
custom_imports = dict(imports=['hexa_mm'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        # Stem and all four stages frozen, their BN layers in eval mode: the
        # running statistics stay the pre-trained ones (norm_eval says it
        # again for the reader; frozen_stages=4 alone already does it).
        frozen_stages=4,
        norm_eval=True,
        # The backbone extracted from a pre-training checkpoint
        # (tools/model_converters/extract_backbone_weights.py: keys without a
        # prefix). No file has the name below: a run that forgets to set it
        # stops before its first iteration with mmengine's
        # "FileNotFoundError: <this text> can not be found.", never trains a
        # random backbone. tools/test.py does not read it (the classifier's
        # checkpoint holds the backbone).
        init_cfg=dict(
            type='Pretrained',
            checkpoint='<model.backbone.init_cfg.checkpoint is not set: pass '
            '--cfg-options model.backbone.init_cfg.checkpoint=BACKBONE.pth>')))

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=30., momentum=0.9, weight_decay=0.))
# Schedule (MultiStepLR at 60, 80, x0.1; 100 epochs) from the base as is.

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=10, max_keep_ckpts=3))
