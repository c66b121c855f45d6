# ImageNet-100 (the 100 classes of Tian et al.'s CMC list, 126,689 training
# and 5,000 validation images) for the configs of configs/imagenet100, in
# solo-learn's image-folder layout: data/imagenet100/{train,val}/<wnid>/*.JPEG.
# MMPretrain's (mmcls) CustomDataset reads the folders: labels are the
# sorted folder names' positions, the same in both splits. What the configs
# share: their monitors. Names are prefixed: MMEngine forbids a key in two
# bases.


def _hooks(num_classes=100, dcluster=False):
    """A whole custom_hooks list (a config cannot append to an inherited
    list): the DeepCluster family's memory bank and k-means first, exact
    resume and the NaN stop of every hexa_mm config, then the monitors on
    the frozen backbone (neither adds a gradient to pre-training):
    OnlineLinearProbeHook, a linear classifier trained on every training
    batch's first view and scored on the validation split every 5 epochs
    (`online_linear_top1`; solo-learn's Acc@1 online is its analogue), and
    KNNEvalHook, weighted kNN (k 200, T 0.1, as solo-learn's and lightly's)
    of the validation images against the training images every 10 epochs
    (`knn_top1`; a pass over 131,689 images). Both embed centre crops:
    short side 256, crop 224."""
    eval_pipeline = [
        dict(type='CheckedLoadImageFromFile'),
        dict(
            type='mmcls.ResizeEdge', scale=256, edge='short',
            backend='pillow'),
        dict(type='mmcls.CenterCrop', crop_size=224),
        dict(
            type='PackSelfSupInputs',
            algorithm_keys=['gt_label', 'sample_idx'])
    ]
    split = dict(
        type='mmcls.CustomDataset',
        data_root='data/imagenet100',
        pipeline=eval_pipeline)
    val = dict(split, data_prefix='val')
    hooks = [
        dict(type='RandomStateHook'),
        dict(type='NonFiniteLossHook'),
        dict(
            type='OnlineLinearProbeHook',
            num_classes=num_classes,
            interval=5,
            num_workers=8,
            val_dataset=val),
        dict(
            type='KNNEvalHook',
            train_dataset=dict(split, data_prefix='train'),
            val_dataset=val,
            k=200,
            temperature=0.1,
            interval=10,
            num_workers=8),
    ]
    return [dict(type='DeepClusterV2Hook'), *hooks] if dcluster else hooks


imagenet100_moco_hooks = _hooks()
imagenet100_dcluster_hooks = _hooks(dcluster=True)
