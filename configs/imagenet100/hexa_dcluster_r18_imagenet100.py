# HEXA-DCluster on ImageNet-100:
# configs/imagenet100/deepclusterv2_r18_imagenet100.py (solo-learn's
# DeepCluster-V2 protocol) plus HEXA's adversarial and cut-mixed versions of
# the two crops (Li et al., arXiv 2012.13493). solo-learn publishes no HEXA
# figure; compare with the DeepCluster-v2 config's run on the same machine.
# hexa_mm has not run this recipe to the end (configs/imagenet100/README.md).
_base_ = [
    './deepclusterv2_r18_imagenet100.py', '../_base_/models/hexa_dcluster.py'
]

model = {{_base_.hexa_dcluster}}
