# DeepCluster-v2 (Caron et al., NeurIPS 2020, from the SwAV paper), ResNet-50,
# ImageNet, multi-crop 2x224 + 6x96, 800 epochs: 75.2 linear top-1 in the paper.
# The recipe of SwAV's main_deepclusterv2.py and scripts/deepclusterv2_800ep_
# pretrain.sh: 64 GPUs x 64 images, SGD with LARC (trust 0.001, no clipping) and
# weight decay 1e-6 on every parameter, lr warmed up linearly from 0.3 to 4.8
# over 10 epochs, then cosine to 0.0048. This config runs 8 GPUs x 64 and
# scales every lr linearly (0.6, warm-up from 0.0375, to 6e-4). With other GPU
# counts, pass --cfg-options auto_scale_lr.enable=True (base batch 512, lr 0.6).
_base_ = [
    'mmselfsup::selfsup/_base_/datasets/imagenet_swav_mcrop-2-6.py',
    'mmselfsup::selfsup/_base_/schedules/lars_coslr-200e_in1k.py',
    'mmselfsup::selfsup/_base_/default_runtime.py',
    './_base_/datasets/device_aug.py',
    './_base_/schedules/deepclusterv2_warmup_coslr.py',
]
custom_imports = dict(imports=['hexa_mm'], allow_failed_imports=False)

model = dict(
    type='DeepClusterV2',
    num_samples=1281167,  # ImageNet-1k train
    num_bank_crops=2,  # the two 224 crops
    kmeans_iters=10,
    # The view augmentations after the crops, on the device (see below).
    data_preprocessor=dict(
        type='DeviceAugDataPreprocessor',
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375),
        bgr_to_rgb=True,
        num_views=[2, 6],
        view_augments=[
            {{_base_.swav_device_augments}}, {{_base_.swav_device_augments}}
        ]),
    backbone=dict(
        type='ResNet',
        depth=50,
        in_channels=3,
        out_indices=[4],
        norm_cfg=dict(type='SyncBN'),
        # SwAV's ResNet-50 leaves the last BN of each block at 1.
        zero_init_residual=False),
    neck=dict(
        type='SwAVNeck',
        in_channels=2048,
        hid_channels=2048,
        out_channels=128,
        with_avg_pool=True,
        with_l2norm=True,
        norm_cfg=dict(type='SyncBN')),
    head=dict(
        type='MultiPrototypeHead',
        num_heads=3,
        num_prototypes=3000,
        feat_dim=128,
        temperature=0.1))

# SwAV's multi-crop augmentations (DeepCluster-v2 shares them), split: the CPU
# decodes and crops (MMSelfSup's crop boxes, resized by torch: 8x faster than
# PIL, within 1 level), the data preprocessor runs the rest on the device
# (docs/data_pipeline.md; tools/train.py --cpu-augment brings back the CPU
# pipeline). The sample index tells the memory bank which rows a batch refreshes.
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', on_error='raise'),
    dict(
        type='MultiView',
        num_views=[2, 6],
        transforms=[
            [dict(type='TorchRandomResizedCrop', size=224, scale=(0.14, 1.))],
            [dict(type='TorchRandomResizedCrop', size=96, scale=(0.05, 0.14))],
        ]),
    dict(
        type='PackSelfSupInputs',
        algorithm_keys=['sample_idx'],
        meta_keys=['img_path'])
]
train_dataloader = dict(batch_size=64, dataset=dict(pipeline=train_pipeline))

custom_hooks = [
    dict(type='DeepClusterV2Hook'),
    # Exact resume and a stop at the first NaN loss.
    dict(type='RandomStateHook'),
    dict(type='NonFiniteLossHook')
]

max_epochs = 800
# MMSelfSup's LARS is SwAV's LARC without clipping: the layer-wise rate
# eta * |w| / (|g| + wd * |w|) on every parameter, BN and biases included (no
# paramwise_cfg: SwAV excludes nothing). It folds the lr into the momentum
# buffer, LARC applies it after: the same step while the lr is constant.
optimizer = dict(type='LARS', lr=0.6, weight_decay=1e-6, momentum=0.9, eta=1e-3)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)
# SwAV's warm-up from 0.3 / 4.8 of the peak lr over 10 epochs, then cosine.
param_scheduler = {{_base_.deepclusterv2_schedules.e800}}
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(enable=False, base_batch_size=512)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
