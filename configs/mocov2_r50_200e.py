# MoCo-v2 baseline, ResNet-50, ImageNet, 8 GPUs x 32 images, 200 epochs: MMSelfSup's
# recipe (queue 65536, momentum 0.999, T 0.2, SGD lr 0.03 cosine, MoCo-v2
# augmentations) with hexa_mm loaded, so that configs inheriting this one can use
# hexa_mm's modules.
_base_ = 'mmselfsup::selfsup/mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py'

custom_imports = dict(imports=['hexa_mm'], allow_failed_imports=False)
