# DeepCluster-v2, ResNet-50, ImageNet, 2x224 crops (no multi-crop), 200 epochs:
# SwAV's scripts/deepclusterv2_400ep_2x224_pretrain.sh recipe (crops of 8-100%
# of the image) over 200 epochs.
_base_ = './deepclusterv2_r50_800e.py'

# The CPU decodes and crops; the device augments the two views the way
# SwAV's 224 crops are (the data preprocessor; tools/train.py --cpu-augment
# brings back the CPU pipeline).
view_pipeline = [
    dict(type='TorchRandomResizedCrop', size=224, scale=(0.08, 1.)),
]
model = dict(
    data_preprocessor=dict(
        num_views=2, view_augments=[{{_base_.swav_device_augments}}]))
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
param_scheduler = {{_base_.deepclusterv2_schedules.e200}}
train_cfg = dict(max_epochs=max_epochs)
