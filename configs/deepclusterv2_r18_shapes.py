# DeepCluster-v2 on the embedded shapes (hexa_mm.datasets.shapes: 10 classes of
# coloured shapes on textured backgrounds, 32x32, 2,000 training images, drawn
# on first use into data/shapes): configs/deepclusterv2_r18_digits.py with the
# data set, the colour jitter, the number of epochs and the crops changed
# (docs/experiments/shapes.md).
_base_ = [
    './deepclusterv2_r18_digits.py', './_base_/embedded_colour_sets.py'
]

model = dict(num_samples=2000)  # the shapes' train split

# Only the two high-resolution crops (the ImageNet 200-epoch configs' 2x224
# recipe), with MoCo-v2's full colour changes
# (configs/_base_/embedded_colour_sets.py): an 8-pixel crop of 30-60% of a
# shape cuts its outline, the only cue of its class, and with them
# DeepCluster-v2's kNN stayed at a random backbone's
# (docs/experiments/shapes.md).
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', on_error='raise'),
    dict(
        type='MultiView',
        num_views=2,
        transforms=[{{_base_.colour_views}}]),
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
    dict(type='NonFiniteLossHook'), {{_base_.shapes_online_probe}}
]
