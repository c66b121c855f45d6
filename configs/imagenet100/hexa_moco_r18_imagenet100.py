# HEXA-MoCo on ImageNet-100: configs/imagenet100/mocov2_r18_imagenet100.py
# (solo-learn's MoCo-V2+ protocol) plus HEXA's adversarial and cut-mixed hard
# queries (Li et al., arXiv 2012.13493). solo-learn publishes no HEXA figure;
# compare with the MoCo-v2 config's run on the same machine. hexa_mm has not
# run this recipe to the end (configs/imagenet100/README.md).
_base_ = './mocov2_r18_imagenet100.py'

model = dict(
    type='HEXAMoCo',
    # MoCo-v2's ContrastiveHead, which also takes the mixed targets.
    head=dict(type='SoftContrastiveHead'),
    # One FGSM step within 2/255 of the [0, 1] pixel range (the paper gives
    # no eps; hexa_mm's default, docs/hexa_moco.md).
    adversarial=dict(type='AdversarialGenerator', eps=2 / 255, steps=1),
    # CutMix between the queries of one (per-GPU) batch, lam ~ Beta(1, 1).
    cutmix=dict(type='CutMixGenerator', alpha=1.0),
    # Three terms of about the same size: thirds keep MoCo-v2's gradient
    # scale at its lr, as the embedded sets' HEXA configs weigh them.
    w_clean=1 / 3,
    w_adv=1 / 3,
    w_mix=1 / 3)
# The attack's first step comes from the clean loss's backward: two backward
# passes a step, which this wrapper runs under DDP.
model_wrapper_cfg = dict(type='TwoPassDistributedDataParallel')
