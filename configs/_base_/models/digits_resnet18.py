# The backbone of every embedded-digits config, pre-training and downstream: a
# ResNet-18 with a CIFAR stem (3x3 conv, stride 1, no max-pool) at 16 channels
# (a quarter of the usual width), for the 8x8 scans upscaled to 16x16. Downstream
# configs read it from here, so that their weights match the extracted
# pre-training checkpoint.
#
# Why narrow and small: a randomly initialised wide ResNet is already a strong
# feature extractor on these clean digits; within a CPU budget, MoCo-v2 at full
# width and 32x32 stayed below it, while this one passes it
# (docs/experiments/digits_recipe.md).
digits_backbone = dict(
    _delete_=True,  # replaces the base config's backbone where it is merged
    type='mmcls.ResNet_CIFAR',
    depth=18,
    stem_channels=16,
    base_channels=16,
    out_indices=[3],
    norm_cfg=dict(type='BN'))
# Channels of the last stage (BasicBlock: 8 x base_channels).
digits_feat_channels = 128
# Side of the network's input images (hexa_mm.datasets.DIGITS_SIZE likewise).
digits_size = 16
# The data preprocessor of the digits pre-training configs: they augment on the
# CPU (their pipelines), not with the ImageNet configs' device augmentations.
digits_data_preprocessor = dict(
    _delete_=True,  # replaces the base config's where it is merged
    type='SelfSupDataPreprocessor',
    mean=(123.675, 116.28, 103.53),
    std=(58.395, 57.12, 57.375),
    bgr_to_rgb=True)
