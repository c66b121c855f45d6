# Opt-in monitoring of the ImageNet pre-training configs: the online linear
# probe (OnlineLinearProbeHook) and the kNN monitor (KNNEvalHook, k 200,
# T 0.1), both on the frozen backbone, neither adding a gradient to
# pre-training. A config of your own lists this file beside the one it
# monitors and takes two of its lists, the labelled training pipeline of
# that config's family and the hooks; e.g. configs/my/hexa_moco_monitored.py:
#
#     _base_ = ['../hexa_moco_r50_200e.py', '../_base_/imagenet_monitoring.py']
#     train_dataloader = dict(
#         dataset=dict(pipeline={{_base_.mocov2_labelled_pipeline}}))
#     custom_hooks = {{_base_.mocov2_monitored_hooks}}
#
# MoCo family (mocov2_*, hexa_moco_*): mocov2_labelled_pipeline and
# mocov2_monitored_hooks. DeepCluster family: deepclusterv2_monitored_hooks
# with deepclusterv2_labelled_pipeline (the *_200e configs' 2x224 crops) or
# deepclusterv2_mcrop_labelled_pipeline (the *_800e configs' 2x224 + 6x96).
# (MMEngine forbids a key in two bases and cannot append to an inherited
# list: hence whole lists, under names of their own.) The pipelines are the
# configs' own with gt_label packed for the probe; the algorithms never read
# it.
#
# Cost: the probe embeds each batch's first view once more (about a quarter
# of a MoCo-v2 step); every 10 epochs it labels the 50,000 validation images
# and the kNN monitor embeds them and its reference, a class-balanced 10% of
# the training set (about 128,000 images; every rank gathers all reference
# features, which for the whole set would not fit a GPU). Scores:
# `online_linear_top1` and `knn_top1` in the log. The splits are fields of
# the hooks (in the MoCo family's list, custom_hooks.2.val_dataset for the
# probe, custom_hooks.3.{train,val}_dataset for the kNN monitor; one more in
# the DeepCluster family's); they read data/imagenet/ as the training set
# does: another root is set in each.

# Centre crops of the evaluation: short side 256, crop 224.
imagenet_eval_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='mmcls.ResizeEdge', scale=256, edge='short', backend='pillow'),
    dict(type='mmcls.CenterCrop', crop_size=224),
    dict(type='PackSelfSupInputs', algorithm_keys=['gt_label', 'sample_idx'])
]
imagenet_monitor_val = dict(
    type='mmcls.ImageNet',
    data_root='data/imagenet/',
    ann_file='meta/val.txt',
    data_prefix=dict(img_path='val/'),
    pipeline=imagenet_eval_pipeline)
imagenet_monitor_reference = dict(
    type='mmpretrain.LabelSubset',
    fraction=0.1,
    seed=0,
    dataset=dict(
        imagenet_monitor_val,
        ann_file='meta/train.txt',
        data_prefix=dict(img_path='train/')))
imagenet_monitors = [
    dict(
        type='OnlineLinearProbeHook',
        num_classes=1000,
        interval=10,
        num_workers=8,
        val_dataset=imagenet_monitor_val),
    dict(
        type='KNNEvalHook',
        train_dataset=imagenet_monitor_reference,
        val_dataset=imagenet_monitor_val,
        k=200,
        temperature=0.1,
        interval=10,
        num_workers=8),
]
# The configs' own hooks (exact resume, the NaN stop; the DeepCluster
# family's bank and k-means first), then the monitors.
mocov2_monitored_hooks = [
    dict(type='RandomStateHook'),
    dict(type='NonFiniteLossHook'), *imagenet_monitors
]
deepclusterv2_monitored_hooks = [
    dict(type='DeepClusterV2Hook'), *mocov2_monitored_hooks
]


def _labelled(views, algorithm_keys):
    """An ImageNet config's training pipeline (decode, crops; the device
    augments the rest) with gt_label packed."""
    return [
        dict(type='CheckedLoadImageFromFile', on_error='raise'), views,
        dict(
            type='PackSelfSupInputs',
            algorithm_keys=algorithm_keys,
            meta_keys=['img_path'])
    ]


def _crop(size, scale):
    return dict(type='TorchRandomResizedCrop', size=size, scale=scale)


# configs/mocov2_r50_200e.py's two crops of 20-100%.
mocov2_labelled_pipeline = _labelled(
    dict(type='MultiView', num_views=2, transforms=[[_crop(224, (0.2, 1.))]]),
    ['gt_label'])
# configs/deepclusterv2_r50_200e.py's two crops of 8-100%.
deepclusterv2_labelled_pipeline = _labelled(
    dict(type='MultiView', num_views=2, transforms=[[_crop(224, (0.08, 1.))]]),
    ['sample_idx', 'gt_label'])
# configs/deepclusterv2_r50_800e.py's 2 x 224 (14-100%) + 6 x 96 (5-14%).
deepclusterv2_mcrop_labelled_pipeline = _labelled(
    dict(
        type='MultiView',
        num_views=[2, 6],
        transforms=[[_crop(224, (0.14, 1.))], [_crop(96, (0.05, 0.14))]]),
    ['sample_idx', 'gt_label'])
