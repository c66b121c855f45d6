# HEXA-MoCo, ResNet-50, ImageNet, ONE GPU x 256 images, 200 epochs: the 8-GPU
# recipe (configs/hexa_moco_r50_200e.py) in one process, with split BN over 8
# sub-batches of 32 standing in for the 8 GPUs' shuffle BN (as in
# configs/mocov2_r50_1xb256_200e.py). The hard queries are normalised by
# split BN too, 8 sub-batches of their own batch. About 2.5x MoCo-v2's
# compute and memory per step: --amp helps on one GPU.
_base_ = './hexa_moco_r50_200e.py'

model = dict(backbone=dict(norm_cfg=dict(type='SplitBN', num_splits=8)))
train_dataloader = dict(batch_size=256)
auto_scale_lr = dict(enable=True, base_batch_size=256)
