# MoCo-v2, ResNet-18, ImageNet-100, 2 GPUs x 128 images, 400 epochs:
# solo-learn's MoCo-V2+ protocol (scripts/pretrain/imagenet-100/
# mocov2plus.sh), so that the figures compare with its ImageNet-100 table:
# MoCo-V2+ 78.20 online / 79.28 offline linear top-1 after 400 epochs.
# hexa_mm has not run this recipe to the end
# (configs/imagenet100/README.md).
#
# What solo-learn does that MMSelfSup's MoCo does not, and is not here:
# its MoCo-V2+ symmetrises the loss (each view is query and key, two
# queues), and its key encoder's momentum follows a cosine from 0.99 to
# 0.999; this config trains MMSelfSup's MoCo-v2 loss (one query view) with
# the momentum fixed at solo-learn's start value.
_base_ = ['../mocov2_r50_200e.py', '../_base_/datasets/imagenet100.py']

model = dict(
    queue_len=65536,
    feat_dim=256,
    momentum=0.99,
    # solo-learn: SyncBN, torchvision's init (no zero-initialised residual
    # BN).
    backbone=dict(
        depth=18, norm_cfg=dict(type='SyncBN'), zero_init_residual=False),
    # solo-learn's projector: 512 -> 2048 -> ReLU -> 256.
    neck=dict(in_channels=512, hid_channels=2048, out_channels=256),
    head=dict(temperature=0.2))

# solo-learn's symmetric_weak augmentations: crops of 8-100% of the image,
# then (on the device: the ImageNet configs' DeviceAugDataPreprocessor)
# colour jitter 0.4 / 0.4 / 0.4 / 0.1 with p 0.8, grayscale p 0.2, blur p
# 0.5 and flips, as configs/mocov2_r50_200e.py already has them.
train_pipeline = [
    dict(type='CheckedLoadImageFromFile', on_error='raise'),
    dict(
        type='MultiView',
        num_views=2,
        transforms=[[
            dict(type='TorchRandomResizedCrop', size=224, scale=(0.08, 1.))
        ]]),
    # gt_label: for the online linear probe only; MoCo never reads it.
    dict(
        type='PackSelfSupInputs',
        algorithm_keys=['gt_label'],
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

# solo-learn: SGD lr 0.3 at 2 x 128 images (its lr is scaled by batch / 256),
# momentum 0.9, weight decay 1e-4 on every parameter; a linear warm-up from
# 0.003 over 10 epochs, then a cosine to 0, stepped every iteration.
optimizer = dict(lr=0.3, weight_decay=1e-4)
optim_wrapper = dict(optimizer=optimizer)
auto_scale_lr = dict(enable=False, base_batch_size=256)
max_epochs = 400
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
custom_hooks = {{_base_.imagenet100_moco_hooks}}
