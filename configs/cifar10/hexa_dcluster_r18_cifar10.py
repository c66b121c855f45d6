# HEXA-DCluster on CIFAR-10: configs/cifar10/deepclusterv2_r18_cifar10.py
# (solo-learn's DeepCluster-V2 protocol) plus HEXA's adversarial and
# cut-mixed versions of the two crops (Li et al., arXiv 2012.13493).
# solo-learn publishes no HEXA figure; compare with the DeepCluster-v2
# config's run on the same machine. hexa_mm has not run this recipe to the
# end (configs/cifar10/README.md).
_base_ = './deepclusterv2_r18_cifar10.py'

model = dict(
    type='HEXADeepClusterV2',
    # One FGSM step within 2/255 of the [0, 1] pixel range (the paper gives
    # no eps; hexa_mm's default, docs/deepcluster_v2.md).
    adversarial=dict(type='AdversarialGenerator', eps=2 / 255, steps=1),
    # CutMix between the crops of one (per-GPU) batch, lam ~ Beta(1, 1).
    cutmix=dict(type='CutMixGenerator', alpha=1.0),
    # Three terms of about the same size: thirds keep DeepCluster-v2's
    # gradient scale at its lr, as the embedded sets' HEXA configs weigh
    # them.
    w_clean=1 / 3,
    w_adv=1 / 3,
    w_mix=1 / 3,
    # Both crops are made hard.
    hard_crops=(0, 1))
# The attack's first step comes from the clean loss's backward: two backward
# passes a step, which this wrapper runs under DDP.
model_wrapper_cfg = dict(type='TwoPassDistributedDataParallel')
