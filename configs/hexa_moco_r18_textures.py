# HEXA-MoCo on the embedded textures (held out from every choice of a HEXA
# setting): the textures MoCo-v2 recipe plus HEXA's hard queries.
_base_ = ['./mocov2_r18_textures.py', './_base_/models/hexa_moco.py']

model = {{_base_.hexa_moco}}
