# configs/hexa_moco_cutmix_r18_digits.py on the embedded shapes: the shapes'
# HEXA-MoCo config with the same change (the adversarial term off).
_base_ = './hexa_moco_r18_shapes.py'

model = dict(w_clean=0.5, w_adv=0., w_mix=0.5)
