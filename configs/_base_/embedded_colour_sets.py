# What the configs of the two coloured embedded sets (the shapes and the
# textures, 32x32 images at a 16x16 input) share.
#
# The views: the digits' crops (>= 60% of the image, where a crop still shows
# its class) with MoCo-v2's full colour changes. The digits drop saturation,
# hue and grayscale only because their scans are grey; on these sets colour
# says nothing of the class (docs/experiments/shapes.md).
colour_views = [
    dict(
        type='RandomResizedCrop', size=16, scale=(0.6, 1.), backend='pillow'),
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

# configs/_base_/digits_online_probe.py on the 500 validation images of each
# set (hexa_mm.datasets.SHAPES_EVAL_PIPELINE, TEXTURES_EVAL_PIPELINE).
shapes_online_probe = dict(
    type='OnlineLinearProbeHook',
    num_classes=10,
    interval=1,
    lr=0.1,
    val_dataset=dict(
        type='ShapesDataset',
        data_root='data/shapes',
        split='val',
        pipeline=[
            dict(type='CheckedLoadImageFromFile'),
            dict(type='Resize', scale=(16, 16), backend='pillow'),
            dict(
                type='PackSelfSupInputs',
                algorithm_keys=['gt_label', 'sample_idx'],
                meta_keys=['img_path'])
        ]))
textures_online_probe = dict(
    shapes_online_probe,
    val_dataset=dict(
        shapes_online_probe['val_dataset'],
        type='TexturesDataset',
        data_root='data/textures'))
