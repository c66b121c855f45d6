# HEXA-MoCo, ResNet-50, ImageNet, 800 epochs.
_base_ = './hexa_moco_r50_200e.py'

param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=800, by_epoch=True, begin=0, end=800)
]
train_cfg = dict(max_epochs=800)
