# DeepCluster-v2 on the embedded textures (hexa_mm.datasets.textures: 10
# classes of procedural textures, 32x32, 2,000 training images, drawn on first
# use into data/textures), the held-out third set: it takes part in report
# protocols, never in the choice of a HEXA setting. It is the shapes recipe
# (configs/deepclusterv2_r18_shapes.py: two high-resolution crops, 100 epochs,
# a bank of the 2,000 training images) with only the data set changed: the
# textures recipe search on the baselines' selection seeds (100, 101) kept it
# (docs/experiments/textures.md).
_base_ = './deepclusterv2_r18_shapes.py'

train_dataloader = dict(
    dataset=dict(type='TexturesDataset', data_root='data/textures'))

# The online linear probe, scored on the 500 validation textures.
custom_hooks = [
    dict(type='DeepClusterV2Hook'),
    dict(type='RandomStateHook'),
    dict(type='NonFiniteLossHook'), {{_base_.textures_online_probe}}
]
