# HEXA's hard crops on a DeepCluster-v2 model, the same in every HEXA-DCluster
# config (digits and ImageNet): adversarial and cut-mixed versions of the two
# high-resolution crops (Li et al., arXiv 2012.13493). eps, steps, alpha, the
# weights and hard_crops are hexa_mm's defaults (see docs/deepcluster_v2.md).
# A config merges it into its DeepCluster-v2 base's model:
#     model = {{_base_.hexa_dcluster_model}}
# or, on the embedded sets, hexa_dcluster_sum1_model (below).
# (MMEngine forbids a key in two bases, so it is not ``model`` itself.)
hexa_dcluster_model = dict(
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
# The embedded sets' weighting: weights summing to 1, as
# configs/hexa_moco_r18_digits.py weighs its terms (DeepCluster-v2's gradient
# scale). Over 5 seeds on the digits it leads DeepCluster-v2 by +2.4 kNN / +1.1
# linear (p 0.01 / 0.02), against +2.2 / +0.7 (p 0.06 / 0.12) with the weights
# above (docs/hard_example_sweep.md, "Five seeds").
hexa_dcluster_sum1_model = dict(
    hexa_dcluster_model, w_clean=1 / 3, w_adv=1 / 3, w_mix=1 / 3)
# reuse_clean_grad's two backward passes per step, under DDP.
model_wrapper_cfg = dict(type='TwoPassDistributedDataParallel')
