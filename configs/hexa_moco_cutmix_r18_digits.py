# HEXA-MoCo with cut-mixed queries only, on the embedded digits: the measured
# best HEXA-MoCo setting on both embedded sets (docs/cutmix_five_seeds.md,
# "Five seeds of cut-mixed queries only"), at 1.75x MoCo-v2's FLOPs instead
# of 2.5x.
# The paper trains adversarial queries too (configs/hexa_moco_r18_digits.py);
# here they were hardly harder than the clean ones and never helped.
_base_ = './hexa_moco_r18_digits.py'

# Two terms: halves keep MoCo-v2's gradient scale, as the thirds do for three.
model = dict(w_clean=0.5, w_adv=0., w_mix=0.5)
