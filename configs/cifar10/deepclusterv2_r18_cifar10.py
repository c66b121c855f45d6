# DeepCluster-v2, ResNet-18 with a CIFAR stem, CIFAR-10, one GPU x 256 images,
# two 32x32 crops, 1,000 epochs: solo-learn's DeepCluster-V2 protocol
# (scripts/pretrain/cifar/deepclusterv2.sh), so that the figures compare with
# its CIFAR-10 table: DeepCluster-V2 88.85 online linear top-1 after 1,000
# epochs. hexa_mm has not run this recipe to the end
# (configs/cifar10/README.md).
_base_ = ['../deepclusterv2_r50_200e.py', '../_base_/datasets/cifar.py']

model = dict(
    num_samples=50000,  # the bank: one row per training image
    data_preprocessor={{_base_.cifar10_data_preprocessor}},
    backbone=dict(
        _delete_=True,
        type='mmcls.ResNet_CIFAR',
        depth=18,
        out_indices=[3],
        # solo-learn: SyncBN over all GPUs (plain BN on one), torchvision's
        # init (no zero-initialised residual BN). Its stem pads the 3x3
        # conv by 2 pixels, mmcls's by 1.
        norm_cfg=dict(type='SyncBN'),
        zero_init_residual=False),
    # solo-learn's projector: 512 -> 2048 (BN, ReLU) -> 128, L2-normalised;
    # 3 heads x 3000 frozen prototypes (k-means centroids, 10 iterations),
    # temperature 0.1: the ImageNet config's head, kept.
    neck=dict(in_channels=512))

# solo-learn's symmetric augmentations at 32 pixels, two crops; no blur
# (deepclusterv2.sh: --gaussian_prob 0.0; its later Hydra yaml adds one) and
# no solarisation. mmcv's colour ops assume BGR: the hue shift is symmetric,
# so its direction does not matter, and the grayscale weights below are
# RGB's.
view_pipeline = [
    dict(
        type='RandomResizedCrop', size=32, scale=(0.08, 1.), backend='pillow'),
    dict(
        type='RandomApply',
        transforms=[
            dict(
                type='ColorJitter',
                brightness=0.8,
                contrast=0.8,
                saturation=0.8,
                hue=0.2)
        ],
        prob=0.8),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.2989, 0.587, 0.114)),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    # sample_idx: the bank's rows; gt_label: for the online linear probe only.
    dict(type='PackSelfSupInputs', algorithm_keys=['sample_idx', 'gt_label'])
]
train_dataloader = dict(
    batch_size=256,
    num_workers=4,
    dataset=dict(
        _delete_=True,
        type='mmcls.CIFAR10',
        data_prefix='data/cifar10',
        test_mode=False,
        download=False,
        pipeline=train_pipeline))

# solo-learn: LARS (eta 0.02, the layer-wise rate clipped at the lr, biases
# and norms excluded) at lr 0.6 for 256 images, weight decay 1e-6; a linear
# warm-up from 0 over 11 epochs, then a cosine to 6e-4, every iteration.
# MMSelfSup's LARS cannot clip: its step is lr x eta x |w| / |g|, 50 times
# smaller than solo-learn's at eta 0.02. Clipped, solo-learn's step is SGD's
# wherever SGD moves a layer by less than 2% of its norm a step, so SGD with
# the same lr, momentum and exclusions stands in for it (without that cap).
sgd = dict(type='SGD', lr=0.6, momentum=0.9, weight_decay=1e-6)
optimizer = dict(_delete_=True, **sgd)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=sgd,
    # No weight decay on biases and norms; MMSelfSup's SwAVNeck registers its
    # BN twice, which bypass_duplicate lets through.
    paramwise_cfg=dict(
        norm_decay_mult=0., bias_decay_mult=0., bypass_duplicate=True))
auto_scale_lr = dict(enable=False, base_batch_size=256)
max_epochs = 1000
warmup_epochs = 11
param_scheduler = [
    dict(
        type='LinearLR',
        # From 0 in solo-learn; MMEngine's LinearLR cannot start at 0.
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=6e-4,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = {{_base_.cifar10_dcluster_hooks}}
