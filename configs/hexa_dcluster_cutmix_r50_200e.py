# HEXA-DCluster with cut-mixed crops only (no adversarial ones), ResNet-50,
# ImageNet, 2x224 crops, 200 epochs: configs/hexa_dcluster_r50_200e.py with
# the adversarial term off, at 2.0x DeepCluster-v2's FLOPs instead of 3.0x.
# The setting that the three-set report measures as hexa_dcluster_cutmix
# (configs/hexa_dcluster_cutmix_r18_{digits,shapes,textures}.py; README).
_base_ = './hexa_dcluster_r50_200e.py'

# Two terms: halves keep the baseline's gradient scale, as thirds do for three.
model = dict(w_clean=0.5, w_adv=0., w_mix=0.5)
