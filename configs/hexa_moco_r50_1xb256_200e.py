# HEXA-MoCo, ResNet-50, ImageNet, ONE GPU x 256 images, 200 epochs: the 8-GPU
# recipe in one process, with split BN over 8 sub-batches of 32 standing in
# for the 8 GPUs' shuffle BN, as configs/mocov2_r50_1xb256_200e.py does for
# MoCo-v2. The hard queries are normalised by split BN too, each sub-batch
# holding the adversarial and cut-mixed queries of the same 32 images, as
# each GPU's hard batch does. About 2.5x MoCo-v2's compute and memory per
# step: --amp helps on one GPU.
_base_ = ['./mocov2_r50_1xb256_200e.py', './_base_/models/hexa_moco.py']

model = {{_base_.hexa_moco}}
