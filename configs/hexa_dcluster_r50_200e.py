# HEXA-DCluster, ResNet-50, ImageNet, 2x224 crops, 200 epochs.
_base_ = './deepclusterv2_r50_200e.py'

model = dict(
    type='HEXADeepClusterV2',
    adversarial=dict(
        type='AdversarialGenerator', eps=2 / 255, steps=1, bn_mode='batch'),
    cutmix=dict(type='CutMixGenerator', alpha=1.0),
    w_clean=1.0,
    w_adv=1.0,
    w_mix=1.0,
    hard_crops=(0, 1),
    hard_bn='separate',
    # The attack's step from the clean loss's input gradient, which the
    # training step's clean backward yields (docs/benchmarks.md, "Speed").
    reuse_clean_grad=True)
# reuse_clean_grad's two backward passes per step, under DDP.
model_wrapper_cfg = dict(type='TwoPassDistributedDataParallel')
