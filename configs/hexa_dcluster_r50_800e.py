# HEXA-DCluster, ResNet-50, ImageNet, 2x224 + 6x96, 800 epochs: DeepCluster-v2
# plus adversarial and cut-mixed versions of the two 224 crops (Li et al.,
# arXiv 2012.13493).
_base_ = ['./deepclusterv2_r50_800e.py', './_base_/models/hexa_dcluster.py']

model = {{_base_.hexa_dcluster}}
