# MoCo-v2 on the embedded digits (scikit-learn's 8x8 scans, exported on first use
# to data/digits), ResNet-18 with a CIFAR stem (3x3 conv, stride 1, no max-pool)
# at 32x32, one process x 64 images. Runs on CPU.
_base_ = ['./mocov2_r50_200e.py', './_base_/models/digits_resnet18.py']

model = dict(
    queue_len=4096,
    backbone={{_base_.digits_backbone}},
    neck=dict(
        in_channels={{_base_.digits_feat_channels}},
        hid_channels={{_base_.digits_feat_channels}}))

view_pipeline = [
    dict(type='RandomResizedCrop', size=32, scale=(0.2, 1.), backend='pillow'),
    dict(
        type='RandomApply',
        transforms=[
            dict(
                type='ColorJitter',
                brightness=0.4,
                contrast=0.4,
                saturation=0.4,
                hue=0.1)
        ],
        prob=0.8),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989)),
]
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', on_error='raise'),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackSelfSupInputs', meta_keys=['img_path'])
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
max_epochs = 20
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
