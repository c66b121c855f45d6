# MoCo-v2 baseline, ResNet-50, ImageNet, 8 GPUs x 32 images, 200 epochs: MMSelfSup's
# recipe (queue 65536, momentum 0.999, T 0.2, SGD lr 0.03 cosine, MoCo-v2
# augmentations) with hexa_mm loaded, so that configs inheriting this one can use
# hexa_mm's modules.
_base_ = [
    'mmselfsup::selfsup/mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py',
    './_base_/datasets/device_aug.py',
]

custom_imports = dict(imports=['hexa_mm'], allow_failed_imports=False)

# MMSelfSup's MoCo-v2 pipeline, split: the CPU decodes (with an image loader
# that names a bad file) and crops (MMSelfSup's crop boxes, resized by torch:
# 8x faster than PIL, within 1 level); the data preprocessor runs the rest of the
# view augmentations on the device (docs/data_pipeline.md; the CPU pipeline
# comes back with tools/train.py --cpu-augment).
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', on_error='raise'),
    dict(
        type='MultiView',
        num_views=2,
        transforms=[[
            dict(type='TorchRandomResizedCrop', size=224, scale=(0.2, 1.))
        ]]),
    dict(type='PackSelfSupInputs', meta_keys=['img_path'])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(
    data_preprocessor=dict(
        type='DeviceAugDataPreprocessor',
        num_views=2,
        view_augments=[{{_base_.mocov2_device_augments}}]))

# Exact resume (random states in checkpoints) and a stop at the first NaN loss.
custom_hooks = [dict(type='RandomStateHook'), dict(type='NonFiniteLossHook')]
