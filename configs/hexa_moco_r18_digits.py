# HEXA-MoCo on the embedded digits: the digits MoCo-v2 recipe plus HEXA's hard
# queries.
_base_ = ['./mocov2_r18_digits.py', './_base_/models/hexa_moco.py']

model = {{_base_.hexa_moco}}
