# HEXA-DCluster, ResNet-50, ImageNet, 2x224 crops, ONE GPU x 256 images, 200
# epochs: as configs/deepclusterv2_r50_1xb256_200e.py (plain BN, bank and
# k-means in this process, lr 0.6 at 512 scaled to 0.3) does for
# DeepCluster-v2. Each step trains 4 hard crops beside the 2 clean ones:
# --amp helps on one GPU.
_base_ = [
    './deepclusterv2_r50_1xb256_200e.py', './_base_/models/hexa_dcluster.py'
]

model = {{_base_.hexa_dcluster}}
