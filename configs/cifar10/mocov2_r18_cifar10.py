# MoCo-v2, ResNet-18 with a CIFAR stem, CIFAR-10, one GPU x 256 images, 1,000
# epochs: solo-learn's MoCo-V2+ protocol (scripts/pretrain/cifar/
# mocov2plus.sh), so that the figures compare with its CIFAR-10 table:
# MoCo-V2+ 92.94 online linear top-1 after 1,000 epochs. hexa_mm has not run
# this recipe to the end (configs/cifar10/README.md).
#
# What solo-learn does that MMSelfSup's MoCo does not, and is not here:
# its MoCo-V2+ symmetrises the loss (each view is query and key, two
# queues), and its key encoder's momentum follows a cosine from 0.99 to
# 0.999; this config trains MMSelfSup's MoCo-v2 loss (one query view) with
# the momentum fixed at solo-learn's start value.
_base_ = ['../mocov2_r50_200e.py', '../_base_/datasets/cifar.py']

model = dict(
    queue_len=32768,
    feat_dim=256,
    momentum=0.99,
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
    # solo-learn's projector: 512 -> 2048 -> ReLU -> 256.
    neck=dict(in_channels=512, hid_channels=2048, out_channels=256),
    head=dict(temperature=0.2))

# solo-learn's symmetric_weak augmentations at 32 pixels; no blur
# (mocov2plus.sh: --gaussian_prob 0.0; its later Hydra yaml adds one) and no
# solarisation. mmcv's colour ops assume BGR: the hue shift is symmetric, so
# its direction does not matter, and the grayscale weights below are RGB's.
view_pipeline = [
    dict(
        type='RandomResizedCrop', size=32, scale=(0.08, 1.), backend='pillow'),
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
        channel_weights=(0.2989, 0.587, 0.114)),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    # gt_label: for the online linear probe only; MoCo never reads it.
    dict(type='PackSelfSupInputs', algorithm_keys=['gt_label'])
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

# solo-learn: SGD lr 0.3 at 256 images (its lr is scaled by batch / 256),
# momentum 0.9, weight decay 1e-4 on every parameter; a linear warm-up from
# 0.003 over 10 epochs, then a cosine to 0, stepped every iteration.
optimizer = dict(lr=0.3, weight_decay=1e-4)
optim_wrapper = dict(optimizer=optimizer)
auto_scale_lr = dict(enable=False, base_batch_size=256)
max_epochs = 1000
warmup_epochs = 10
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.003 / 0.3,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=0.,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = {{_base_.cifar10_moco_hooks}}
