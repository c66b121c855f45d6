# DeepCluster-v2 on the embedded shapes (hexa_mm.datasets.shapes: 10 classes of
# coloured shapes on textured backgrounds, 32x32, 2,000 training images, drawn
# on first use into data/shapes): configs/deepclusterv2_r18_digits.py with the
# data set, the colour jitter, the number of epochs and the crops changed
# (docs/experiments/shapes.md).
_base_ = './deepclusterv2_r18_digits.py'

model = dict(num_samples=2000)  # the shapes' train split

# MoCo-v2's full colour jitter and grayscale, as configs/mocov2_r18_shapes.py:
# here colour says nothing of the class.
color = [
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
high_res = [
    dict(
        type='RandomResizedCrop', size=16, scale=(0.6, 1.), backend='pillow'),
    *color,
]
# Only the two high-resolution crops (the ImageNet 200-epoch configs' 2x224
# recipe): an 8-pixel crop of 30-60% of a shape cuts its outline, the only cue
# of its class, and with them DeepCluster-v2's kNN stayed at a random
# backbone's (docs/experiments/shapes.md).
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', on_error='raise'),
    dict(type='MultiView', num_views=2, transforms=[high_res]),
    dict(
        type='PackSelfSupInputs',
        # gt_label: for the online linear probe only.
        algorithm_keys=['sample_idx', 'gt_label'],
        meta_keys=['img_path'])
]
train_dataloader = dict(
    dataset=dict(
        type='ShapesDataset', data_root='data/shapes',
        pipeline=train_pipeline))

# The digits' cosine schedule over 100 epochs instead of 25, as MoCo-v2's.
max_epochs = 100
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs)
# The online linear probe, scored on the 500 validation shapes.
custom_hooks = [
    dict(type='DeepClusterV2Hook'),
    dict(type='RandomStateHook'),
    dict(type='NonFiniteLossHook'),
    dict(
        type='OnlineLinearProbeHook',
        num_classes=10,
        interval=1,
        lr=0.1,
        val_dataset=dict(
            type='ShapesDataset',
            data_root='data/shapes',
            split='val',
            # hexa_mm.datasets.SHAPES_EVAL_PIPELINE
            pipeline=[
                dict(type='CheckedLoadImageFromFile'),
                dict(type='Resize', scale=(16, 16), backend='pillow'),
                dict(
                    type='PackSelfSupInputs',
                    algorithm_keys=['gt_label', 'sample_idx'],
                    meta_keys=['img_path'])
            ]))
]
