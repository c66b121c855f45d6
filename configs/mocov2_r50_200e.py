# MoCo-v2 baseline, ResNet-50, ImageNet, 8 GPUs x 32 images, 200 epochs: MMSelfSup's
# recipe (queue 65536, momentum 0.999, T 0.2, SGD lr 0.03 cosine, MoCo-v2
# augmentations) with hexa_mm loaded, so that configs inheriting this one can use
# hexa_mm's modules.
_base_ = 'mmselfsup::selfsup/mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py'

custom_imports = dict(imports=['hexa_mm'], allow_failed_imports=False)

# MMSelfSup's MoCo-v2 pipeline, with an image loader that names a bad file.
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', on_error='raise'),
    dict(type='MultiView', num_views=2, transforms=[{{_base_.view_pipeline}}]),
    dict(type='PackSelfSupInputs', meta_keys=['img_path'])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# Exact resume (random states in checkpoints) and a stop at the first NaN loss.
custom_hooks = [dict(type='RandomStateHook'), dict(type='NonFiniteLossHook')]
