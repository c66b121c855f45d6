# HEXA-MoCo on the embedded shapes: the shapes MoCo-v2 recipe plus HEXA's hard
# queries.
_base_ = ['./mocov2_r18_shapes.py', './_base_/models/hexa_moco.py']

model = {{_base_.hexa_moco}}
