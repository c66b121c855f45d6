# Linear probe on the embedded digits: MoCo's linear protocol (MMSelfSup's
# resnet50_linear-8xb32-steplr-100e_in1k.py; configs/benchmarks/classification/
# imagenet/) at digits scale. The trunk is frozen, its BN statistics included
# (frozen_stages=4: the stem and the four stages of the CIFAR ResNet; norm_eval
# says it again), a linear classifier on the pooled features, SGD without weight
# decay, lr x0.1 at 60% and 80% of training; 200 iterations x 64 images (about 10
# epochs of the 1,297 training digits, unaugmented).
#
# Ours: the pooled features are standardised by a BatchNorm without affine
# parameters before the classifier (MAE's linear probe, MMPretrain's
# ClsBatchNormNeck), with lr 0.1 instead of MoCo's 30. On the digits the pooled
# features of a random trunk and of a pre-trained one differed four- to tenfold
# in norm, so a plain linear layer at one lr converges at different speeds and
# the comparison measures the optimisation (lr 30, 20 epochs: 67% for a random
# trunk whose standardised probe reaches 96%); standardised, the probe is close
# to converged after a few epochs for both.
_base_ = ['./_base_/resnet18_digits.py']

model = dict(
    backbone=dict(frozen_stages=4, norm_eval=True),
    neck=[
        dict(type='GlobalAveragePooling'),
        dict(
            type='ClsBatchNormNeck',
            input_features={{_base_.digits_feat_channels}})
    ])

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.))
max_iters = 200
param_scheduler = [
    dict(
        type='MultiStepLR',
        by_epoch=False,
        milestones=[int(0.6 * max_iters),
                    int(0.8 * max_iters)],
        gamma=0.1)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
