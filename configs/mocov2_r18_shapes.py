# MoCo-v2 on the embedded shapes (hexa_mm.datasets.shapes: 10 classes of
# coloured shapes on textured backgrounds, 32x32, 2,000 training images, drawn
# on first use into data/shapes): configs/mocov2_r18_digits.py with the data
# set, the colour jitter and the number of epochs changed. The network, the
# 16x16 input (32x32 would cost four times as much), batch, optimizer, crop
# scales and the shape of the schedule stay the digits'
# (docs/experiments/shapes.md).
_base_ = ['./mocov2_r18_digits.py', './_base_/embedded_colour_sets.py']

# MoCo-v2's full colour changes on the digits' crops
# (configs/_base_/embedded_colour_sets.py).
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', on_error='raise'),
    dict(
        type='MultiView',
        num_views=2,
        transforms=[{{_base_.colour_views}}]),
    # gt_label: for the online linear probe only; MoCo never reads it.
    dict(
        type='PackSelfSupInputs',
        algorithm_keys=['gt_label'],
        meta_keys=['img_path'])
]
train_dataloader = dict(
    dataset=dict(
        type='ShapesDataset', data_root='data/shapes',
        pipeline=train_pipeline))

# The digits' cosine schedule over 100 epochs instead of 25: at 25, MoCo-v2's
# kNN on the shapes was still rising and hardly above a random backbone's
# (docs/experiments/shapes.md).
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
    dict(type='RandomStateHook'),
    dict(type='NonFiniteLossHook'), {{_base_.shapes_online_probe}}
]
