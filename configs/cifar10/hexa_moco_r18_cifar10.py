# HEXA-MoCo on CIFAR-10: configs/cifar10/mocov2_r18_cifar10.py (solo-learn's
# MoCo-V2+ protocol) plus HEXA's adversarial and cut-mixed hard queries (Li et
# al., arXiv 2012.13493). solo-learn publishes no HEXA figure; compare with
# the MoCo-v2 config's run on the same machine. hexa_mm has not run this
# recipe to the end (configs/cifar10/README.md).
_base_ = ['./mocov2_r18_cifar10.py', '../_base_/models/hexa_moco.py']

model = {{_base_.hexa_moco}}
