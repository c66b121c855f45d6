# HEXA-MoCo with cut-mixed queries only, ResNet-50, ImageNet, ONE GPU x 256
# images, 200 epochs: configs/hexa_moco_r50_1xb256_200e.py (split BN over 8
# sub-batches of 32) with the adversarial term off, at 1.75x MoCo-v2's FLOPs
# instead of 2.5x.
_base_ = './hexa_moco_r50_1xb256_200e.py'

# Two terms: halves keep the baseline's gradient scale, as thirds do for three.
model = dict(w_clean=0.5, w_adv=0., w_mix=0.5)
