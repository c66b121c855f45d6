# HEXA-DCluster, ResNet-50, ImageNet, 2x224 crops, 200 epochs.
_base_ = ['./deepclusterv2_r50_200e.py', './_base_/models/hexa_dcluster.py']

model = {{_base_.hexa_dcluster_model}}
