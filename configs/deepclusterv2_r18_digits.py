# DeepCluster-v2 on the embedded digits: the narrow ResNet-18 with a CIFAR stem of
# configs/_base_/models/digits_resnet18.py, multi-crop 2x16 + 2x8, 3 heads x 50
# prototypes, one process x 64 images, CPU. The 8x8 scans hold little to crop:
# high-resolution crops keep >= 60% of the image, low-resolution ones 30-60%.
_base_ = [
    './deepclusterv2_r50_200e.py', './_base_/models/digits_resnet18.py',
    './_base_/embedded_online_probes.py'
]

model = dict(
    num_samples=1297,  # digits train split
    # CPU augmentations (the pipeline below): a plain preprocessor.
    data_preprocessor={{_base_.digits_data_preprocessor}},
    backbone={{_base_.digits_backbone}},
    neck=dict(
        in_channels={{_base_.digits_feat_channels}},
        hid_channels={{_base_.digits_feat_channels}},
        norm_cfg=dict(type='BN1d')),
    head=dict(num_heads=3, num_prototypes=50))

# The scans are grey: saturation, hue and grayscale changes would do nothing.
color = dict(
    type='RandomApply',
    transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4)],
    prob=0.8)
high_res = [
    dict(
        type='RandomResizedCrop',
        size={{_base_.digits_size}},
        scale=(0.6, 1.),
        backend='pillow'),
    color,
]
low_res = [
    dict(type='RandomResizedCrop', size=8, scale=(0.3, 0.6), backend='pillow'),
    color,
]
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', on_error='raise'),
    dict(type='MultiView', num_views=[2, 2], transforms=[high_res, low_res]),
    dict(
        type='PackSelfSupInputs',
        # gt_label: for the online linear probe only.
        algorithm_keys=['sample_idx', 'gt_label'],
        meta_keys=['img_path'])
]
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='DigitsDataset',
        data_root='data/digits',
        split='train',
        pipeline=train_pipeline))

max_epochs = 25
# SGD instead of LARS: a batch of 64 needs no layer-wise adaptation. lr 0.15:
# at 0.3, training stalled on one seed of three
# (docs/experiments/digits_recipe.md).
sgd = dict(type='SGD', lr=0.15, momentum=0.9, weight_decay=5e-4)
optimizer = dict(_delete_=True, **sgd)
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=sgd)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(
    logger=dict(interval=5), checkpoint=dict(interval=1, max_keep_ckpts=2))
randomness = dict(seed=0)
custom_hooks = [
    dict(type='DeepClusterV2Hook'),
    dict(type='RandomStateHook'),
    dict(type='NonFiniteLossHook'), {{_base_.digits_online_probe}}
]
