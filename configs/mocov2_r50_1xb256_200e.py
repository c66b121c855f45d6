# MoCo-v2, ResNet-50, ImageNet, ONE GPU x 256 images, 200 epochs: the 8-GPU
# recipe (configs/mocov2_r50_200e.py, 8 x 32) in one process. With one process
# MoCo's shuffle BN has nothing to shuffle across, and BN statistics over the
# whole batch would leak the positive key; split BN (hexa_mm SplitBN, MoCo's
# SplitBatchNorm) computes them over 8 sub-batches of 32, as the 8 GPUs did,
# while the one-process batch shuffle still permutes the keys before the key
# encoder. See docs/one_gpu_and_monitoring.md.
_base_ = './mocov2_r50_200e.py'

# The backbone of both encoders (the key encoder is a copy); the MoCo-v2 neck
# has no BN. The batch size must stay a multiple of num_splits.
model = dict(backbone=dict(norm_cfg=dict(type='SplitBN', num_splits=8)))
train_dataloader = dict(batch_size=256)
# lr 0.03 at a global batch of 256, scaled linearly by MMEngine for any other
# batch size x number of processes (e.g. batch 128: lr 0.015).
auto_scale_lr = dict(enable=True, base_batch_size=256)
