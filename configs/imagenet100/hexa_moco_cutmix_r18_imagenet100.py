# HEXA-MoCo with cut-mixed queries only on ImageNet-100 (a candidate of
# protocols/selection.py), at 1.75x MoCo-v2's FLOPs instead of 2.5x.
# configs/imagenet100/hexa_moco_r18_imagenet100.py with the adversarial term
# off. hexa_mm has not run this recipe to the end
# (configs/imagenet100/README.md).
_base_ = './hexa_moco_r18_imagenet100.py'

# Two terms: halves keep MoCo-v2's gradient scale, as the thirds do for three.
model = dict(w_clean=0.5, w_adv=0., w_mix=0.5)
