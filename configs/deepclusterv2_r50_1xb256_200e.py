# DeepCluster-v2, ResNet-50, ImageNet, 2x224 crops, ONE GPU x 256 images, 200
# epochs: configs/deepclusterv2_r50_200e.py (8 x 64, LARS lr 0.6) in one
# process. SyncBN needs a process group and has nothing to sync here: plain BN
# over the 256 images (DeepCluster-v2 has no positive key for BN statistics to
# leak, so no split BN). The memory bank and k-means live in this one process
# (DeepClusterV2Hook). lr: 0.6 at 512 scaled linearly by MMEngine, 0.3 here.
_base_ = './deepclusterv2_r50_200e.py'

model = dict(
    backbone=dict(norm_cfg=dict(type='BN')),
    neck=dict(norm_cfg=dict(type='BN1d')))
train_dataloader = dict(batch_size=256)
auto_scale_lr = dict(enable=True, base_batch_size=512)
