# MoCo-v2 on the embedded digits (scikit-learn's 8x8 scans, exported on first use
# to data/digits): the narrow ResNet-18 with a CIFAR stem of
# configs/_base_/models/digits_resnet18.py at 16x16, one process x 64 images, on
# CPU. Scaled to 1,297 images: a queue of 512 keys (a queue longer than the data
# set holds earlier keys of the query's own image as negatives), momentum 0.99
# (a few hundred iterations, not 250k), crops of >= 60% of a scan (smaller crops
# of 8x8 pixels leave two views with nothing in common).
_base_ = [
    './mocov2_r50_200e.py', './_base_/models/digits_resnet18.py',
    './_base_/embedded_online_probes.py'
]

model = dict(
    queue_len=512,
    # CPU augmentations (the pipeline below): a plain preprocessor.
    data_preprocessor={{_base_.digits_data_preprocessor}},
    momentum=0.99,
    backbone={{_base_.digits_backbone}},
    neck=dict(
        in_channels={{_base_.digits_feat_channels}},
        hid_channels={{_base_.digits_feat_channels}}))

# The scans are grey: saturation, hue and grayscale changes would do nothing.
view_pipeline = [
    dict(
        type='RandomResizedCrop',
        size={{_base_.digits_size}},
        scale=(0.6, 1.),
        backend='pillow'),
    dict(
        type='RandomApply',
        transforms=[dict(type='ColorJitter', brightness=0.4, contrast=0.4)],
        prob=0.8),
]
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', on_error='raise'),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    # gt_label: for the online linear probe only; MoCo never reads it.
    dict(
        type='PackSelfSupInputs',
        algorithm_keys=['gt_label'],
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

optimizer = dict(lr=0.06, weight_decay=5e-4)
optim_wrapper = dict(optimizer=optimizer)
max_epochs = 25
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
    logger=dict(interval=5),
    checkpoint=dict(interval=1, max_keep_ckpts=2))
randomness = dict(seed=0)
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='NonFiniteLossHook'), {{_base_.digits_online_probe}}
]
