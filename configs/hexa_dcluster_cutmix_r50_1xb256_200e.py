# HEXA-DCluster with cut-mixed crops only, ResNet-50, ImageNet, 2x224 crops,
# ONE GPU x 256 images, 200 epochs: configs/hexa_dcluster_r50_1xb256_200e.py
# with the adversarial term off, at 2.0x DeepCluster-v2's FLOPs instead of
# 3.0x.
_base_ = './hexa_dcluster_r50_1xb256_200e.py'

# Two terms: halves keep the baseline's gradient scale, as thirds do for three.
model = dict(w_clean=0.5, w_adv=0., w_mix=0.5)
