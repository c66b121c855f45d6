# configs/hexa_dcluster_cutmix_r18_digits.py on the embedded shapes: the
# shapes' HEXA-DCluster config with the same change (the adversarial term off).
_base_ = './hexa_dcluster_r18_shapes.py'

model = dict(w_clean=0.5, w_adv=0., w_mix=0.5)
