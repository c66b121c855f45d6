# HEXA-MoCo on the embedded digits: the digits MoCo-v2 recipe plus HEXA's hard
# queries, with the same fields as configs/hexa_moco_r50_200e.py.
_base_ = './mocov2_r18_digits.py'

model = dict(
    type='HEXAMoCo',
    head=dict(type='SoftContrastiveHead'),
    adversarial=dict(type='AdversarialGenerator', eps=2 / 255, steps=1),
    cutmix=dict(type='CutMixGenerator', alpha=1.0),
    # Three terms of about the same size: at weight 1 each, the summed loss
    # triples MoCo-v2's gradient at the same lr, and this narrow network
    # collapsed within 5 epochs (clean loss back at ln(queue_len + 1), kNN 69%).
    # Thirds keep MoCo-v2's gradient scale.
    w_clean=1 / 3,
    w_adv=1 / 3,
    w_mix=1 / 3,
    hard_fraction=1.0,
    hard_bn='separate',
    reuse_clean_grad=True)
model_wrapper_cfg = dict(type='TwoPassDistributedDataParallel')
