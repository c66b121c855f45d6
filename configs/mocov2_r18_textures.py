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
_base_ = ['./mocov2_r18_digits.py', './_base_/embedded_colour_sets.py']

# The digits' crops (>= 60% of the image: a crop of a texture still shows
# its class) with MoCo-v2's full colour changes, as on the shapes: the
# palette says nothing of the class (configs/_base_/embedded_colour_sets.py).
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

# The online linear probe, scored on the 500 validation textures.
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='NonFiniteLossHook'), {{_base_.textures_online_probe}}
]
