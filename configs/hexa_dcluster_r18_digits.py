# HEXA-DCluster on the embedded digits: the digits DeepCluster-v2 recipe plus
# HEXA's hard crops, with the same fields as configs/hexa_dcluster_r50_200e.py;
# the three loss terms weigh 1/3 each (configs/_base_/models/hexa_dcluster.py).
_base_ = ['./deepclusterv2_r18_digits.py', './_base_/models/hexa_dcluster.py']

model = {{_base_.hexa_dcluster_sum1_model}}
