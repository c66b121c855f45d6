# HEXA-MoCo with cut-mixed queries only (no adversarial ones), ResNet-50,
# ImageNet, 8 GPUs x 32 images, 200 epochs: configs/hexa_moco_r50_200e.py
# with the adversarial term off, at 1.75x MoCo-v2's FLOPs instead of 2.5x.
# The setting that the three-set report measures as hexa_moco_cutmix
# (configs/hexa_moco_cutmix_r18_{digits,shapes,textures}.py; README).
_base_ = './hexa_moco_r50_200e.py'

# Two terms: halves keep the baseline's gradient scale, as thirds do for three.
model = dict(w_clean=0.5, w_adv=0., w_mix=0.5)
