# configs/mocov2_r18_digits.py on the embedded textures
# (hexa_mm.datasets.textures: 10 classes of procedural textures, 32x32, 2,000
# training images, drawn on first use into data/textures), the held-out third
# set: it takes part in report protocols, never in the choice of a HEXA
# setting. Only what the data needs changes, and the values below are the
# shapes recipe (configs/mocov2_r18_shapes.py), which the textures
# recipe search on the baselines' selection seeds (100, 101) kept
# (docs/experiments/textures.md). The network, input side (16: the period of
# every texture is >= 5 pixels at 32, so >= 2.5 at 16), batch, optimizer, queue
# and crop scales stay the digits'.
_base_ = './mocov2_r18_digits.py'

# MoCo-v2's full colour changes: the digits drop saturation, hue and grayscale
# only because their scans are grey; here the palette says nothing of the class.
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
# The digits' crops (>= 60% of the image) at the input side: a crop of a
# texture still shows its class.
view_pipeline = [
    dict(
        type='RandomResizedCrop', size=16, scale=(0.6, 1.), backend='pillow'),
    *color,
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
    dataset=dict(
        type='TexturesDataset',
        data_root='data/textures',
        pipeline=train_pipeline))

# The digits' cosine schedule over 100 epochs instead of 25: the shapes' budget
# for 2,000 images of 32 pixels.
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

# configs/_base_/digits_online_probe.py on the 500 validation textures.
online_probe = dict(
    type='OnlineLinearProbeHook',
    num_classes=10,
    interval=1,
    lr=0.1,
    val_dataset=dict(
        type='TexturesDataset',
        data_root='data/textures',
        split='val',
        # hexa_mm.datasets.TEXTURES_EVAL_PIPELINE
        pipeline=[
            dict(type='CheckedLoadImageFromFile'),
            dict(type='Resize', scale=(16, 16), backend='pillow'),
            dict(
                type='PackSelfSupInputs',
                algorithm_keys=['gt_label', 'sample_idx'],
                meta_keys=['img_path'])
        ]))
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='NonFiniteLossHook'), online_probe
]
