# HEXA-DCluster on the embedded textures (held out from every choice of a HEXA
# setting): the textures DeepCluster-v2 recipe plus HEXA's hard crops.
_base_ = [
    './deepclusterv2_r18_textures.py', './_base_/models/hexa_dcluster.py'
]

model = {{_base_.hexa_dcluster}}
