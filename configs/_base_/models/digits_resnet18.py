# The backbone of every embedded-digits config, pre-training and downstream: a
# ResNet-18 with a CIFAR stem (3x3 conv, stride 1, no max-pool) for 32x32 inputs.
# Downstream configs read it from here, so that their weights match the extracted
# pre-training checkpoint.
digits_backbone = dict(
    _delete_=True,  # replaces the base config's backbone where it is merged
    type='mmcls.ResNet_CIFAR',
    depth=18,
    stem_channels=64,
    base_channels=64,
    out_indices=[3],
    norm_cfg=dict(type='BN'))
# Channels of the last stage (BasicBlock: 8 x base_channels).
digits_feat_channels = 512
