# HEXA-MoCo on the embedded digits: the digits MoCo-v2 recipe plus HEXA's hard
# queries, with the same fields as configs/hexa_moco_r50_200e.py.
_base_ = './mocov2_r18_digits.py'

model = dict(
    type='HEXAMoCo',
    head=dict(type='SoftContrastiveHead'),
    adversarial=dict(type='AdversarialGenerator', eps=2 / 255, steps=1),
    cutmix=dict(type='CutMixGenerator', alpha=1.0),
    w_clean=1.0,
    w_adv=1.0,
    w_mix=1.0,
    hard_fraction=1.0,
    hard_bn='separate')
