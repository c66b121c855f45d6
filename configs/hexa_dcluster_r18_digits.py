# HEXA-DCluster on the embedded digits: the digits DeepCluster-v2 recipe plus
# HEXA's hard crops.
_base_ = ['./deepclusterv2_r18_digits.py', './_base_/models/hexa_dcluster.py']

model = {{_base_.hexa_dcluster}}
