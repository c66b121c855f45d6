# DeepCluster-v2, ResNet-50, ImageNet, 2x224 crops (no multi-crop), 200 epochs:
# SwAV's scripts/deepclusterv2_400ep_2x224_pretrain.sh recipe (crops of 8-100%
# of the image) over 200 epochs.
_base_ = './deepclusterv2_r50_800e.py'

view_pipeline = [
    dict(
        type='RandomResizedCrop', size=224, scale=(0.08, 1.),
        backend='pillow'),
    dict(
        type='RandomApply',
        transforms=[
            dict(
                type='ColorJitter',
                brightness=0.8,
                contrast=0.8,
                saturation=0.8,
                hue=0.2)
        ],
        prob=0.8),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989)),
    dict(type='RandomGaussianBlur', sigma_min=0.1, sigma_max=2.0, prob=0.5),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', on_error='raise'),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(
        type='PackSelfSupInputs',
        algorithm_keys=['sample_idx'],
        meta_keys=['img_path'])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

max_epochs = 200
# The 800-epoch schedule (SwAV's warm-up and final lr), over 200 epochs.
param_scheduler = [
    {{_base_.warmup_scheduler}},
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - 10,
        eta_min=0.6e-3,
        by_epoch=True,
        begin=10,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
