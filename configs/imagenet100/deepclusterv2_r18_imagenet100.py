# DeepCluster-v2, ResNet-18, ImageNet-100, 2 GPUs x 128 images, two 224
# crops, 400 epochs: solo-learn's DeepCluster-V2 protocol
# (scripts/pretrain/imagenet-100/deepclusterv2.sh), so that the figures
# compare with its ImageNet-100 table: DeepCluster-V2 75.36 online / 75.40
# offline linear top-1 after 400 epochs. hexa_mm has not run this recipe to
# the end (configs/imagenet100/README.md).
_base_ = ['../deepclusterv2_r50_200e.py', '../_base_/datasets/imagenet100.py']

model = dict(
    num_samples=126689,  # the bank: one row per training image
    # solo-learn: SyncBN, torchvision's init (no zero-initialised residual
    # BN), as the ImageNet config's.
    backbone=dict(depth=18),
    # solo-learn's projector: 512 -> 2048 (BN, ReLU) -> 128, L2-normalised;
    # 3 heads x 3000 frozen prototypes (k-means centroids, 10 iterations),
    # temperature 0.1: the ImageNet config's head, kept.
    neck=dict(in_channels=512))

# solo-learn's symmetric augmentations, two crops of 8-100% of the image:
# configs/deepclusterv2_r50_200e.py's crops, and its colour jitter 0.8 / 0.8
# / 0.8 / 0.2 with p 0.8, grayscale p 0.2, blur p 0.5 and flips on the
# device.
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', on_error='raise'),
    dict(
        type='MultiView',
        num_views=2,
        transforms=[[
            dict(type='TorchRandomResizedCrop', size=224, scale=(0.08, 1.))
        ]]),
    # sample_idx: the bank's rows; gt_label: for the online linear probe only.
    dict(
        type='PackSelfSupInputs',
        algorithm_keys=['sample_idx', 'gt_label'],
        meta_keys=['img_path'])
]
train_dataloader = dict(
    batch_size=128,
    dataset=dict(
        _delete_=True,
        type='mmcls.CustomDataset',
        data_root='data/imagenet100',
        data_prefix='train',
        pipeline=train_pipeline))

# solo-learn: LARS (eta 0.02, the layer-wise rate clipped at the lr, biases
# and norms excluded) at lr 0.6 for 2 x 128 images, weight decay 1e-6; a
# linear warm-up from 0 over 11 epochs, then a cosine to 6e-4, every
# iteration. MMSelfSup's LARS cannot clip: its step is lr x eta x |w| / |g|,
# 50 times smaller than solo-learn's at eta 0.02. Clipped, solo-learn's step
# is SGD's wherever SGD moves a layer by less than 2% of its norm a step, so
# SGD with the same lr, momentum and exclusions stands in for it (without
# that cap), as in configs/cifar10/deepclusterv2_r18_cifar10.py.
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
max_epochs = 400
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
custom_hooks = {{_base_.imagenet100_dcluster_hooks}}
