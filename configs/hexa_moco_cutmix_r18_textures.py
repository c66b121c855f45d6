# HEXA-MoCo with cut-mixed queries only (no adversarial ones), on the
# embedded textures: 2 of the paper's 3 terms, at 1.75x MoCo-v2's FLOPs
# instead of 2.5x.
_base_ = './hexa_moco_r18_textures.py'

# Two terms: halves keep the baseline's gradient scale, as thirds do for three.
model = dict(w_clean=0.5, w_adv=0., w_mix=0.5)
