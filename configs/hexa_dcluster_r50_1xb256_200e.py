# HEXA-DCluster, ResNet-50, ImageNet, 2x224 crops, ONE GPU x 256 images, 200
# epochs: configs/hexa_dcluster_r50_200e.py in one process, as
# configs/deepclusterv2_r50_1xb256_200e.py does for DeepCluster-v2 (plain BN,
# bank and k-means in this process, lr 0.6 at 512 scaled to 0.3). Each step
# trains 4 hard crops beside the 2 clean ones: --amp helps on one GPU.
_base_ = './hexa_dcluster_r50_200e.py'

model = dict(
    backbone=dict(norm_cfg=dict(type='BN')),
    neck=dict(norm_cfg=dict(type='BN1d')))
train_dataloader = dict(batch_size=256)
auto_scale_lr = dict(enable=True, base_batch_size=512)
