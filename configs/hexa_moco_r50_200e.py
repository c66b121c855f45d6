# HEXA-MoCo, ResNet-50, ImageNet, 8 GPUs x 32 images, 200 epochs: MoCo-v2 plus
# adversarial and cut-mixed hard queries (Li et al., arXiv 2012.13493).
# The paper does not publish eps, the attack steps, alpha or the loss weights:
# the values below are hexa_mm's defaults (see docs/hexa_moco.md).
_base_ = './mocov2_r50_200e.py'

model = dict(
    type='HEXAMoCo',
    head=dict(type='SoftContrastiveHead'),
    # Attack: 1-step FGSM within 2/255 of the [0, 1] pixel range; BN uses the
    # attacked batch's statistics and its running statistics stay untouched.
    adversarial=dict(
        type='AdversarialGenerator',
        eps=2 / 255,
        steps=1,
        random_start=False,
        bn_mode='batch'),
    # CutMix between queries of the same (per-GPU) batch, lam ~ Beta(1, 1).
    cutmix=dict(type='CutMixGenerator', alpha=1.0),
    w_clean=1.0,
    w_adv=1.0,
    w_mix=1.0,
    # The whole batch is made hard, as in the paper.
    hard_fraction=1.0,
    # Hard queries: own BN batch; BN running statistics see clean queries only.
    hard_bn='separate',
    # The attack's step from the input gradient that the clean loss's training
    # backward yields anyway: the same step, and the attack costs no forward or
    # backward of its own (docs/benchmarks.md, "Speed").
    reuse_clean_grad=True)
# reuse_clean_grad's two backward passes per step, under DDP.
model_wrapper_cfg = dict(type='TwoPassDistributedDataParallel')
