# HEXA-MoCo, ResNet-50, ImageNet, 8 GPUs x 32 images, 200 epochs: MoCo-v2 plus
# adversarial and cut-mixed hard queries (Li et al., arXiv 2012.13493).
_base_ = ['./mocov2_r50_200e.py', './_base_/models/hexa_moco.py']

model = {{_base_.hexa_moco}}
