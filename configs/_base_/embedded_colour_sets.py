# The views of the two coloured embedded sets (the shapes and the textures,
# 32x32 images at a 16x16 input): the digits' crops (>= 60% of the image, where
# a crop still shows its class) with MoCo-v2's full colour changes. The digits
# drop saturation, hue and grayscale only because their scans are grey; on
# these sets colour says nothing of the class (docs/experiments/shapes.md).
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
