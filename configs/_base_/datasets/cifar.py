# CIFAR-10 and CIFAR-100 for the configs of configs/cifar10 and
# configs/cifar100: MMPretrain's (mmcls) own CIFAR classes reading the
# python pickles (cifar-10-batches-py/, cifar-100-python/ under data_prefix),
# the normalisation and the two monitors of pre-training. Names are prefixed:
# MMEngine forbids a key in two bases.
#
# download=False: nothing is ever downloaded at run time; a missing or
# altered file (mmcls checks the md5 of every data pickle) stops the run with
# mmcls's error instead.

cifar10_train = dict(
    type='mmcls.CIFAR10',
    data_prefix='data/cifar10',
    test_mode=False,
    download=False)
cifar100_train = dict(
    cifar10_train, type='mmcls.CIFAR100', data_prefix='data/cifar100')

# solo-learn's per-set mean and std (solo/data/pretrain_dataloader.py,
# MEANS_N_STD) on the 0-255 scale. mmcls yields CIFAR's arrays in RGB order:
# no channel swap. The views are augmented on the CPU (the configs'
# pipelines): a plain preprocessor replaces the ImageNet configs' device one.
cifar10_data_preprocessor = dict(
    _delete_=True,
    type='SelfSupDataPreprocessor',
    mean=[255 * m for m in (0.4914, 0.4822, 0.4465)],
    std=[255 * s for s in (0.2470, 0.2435, 0.2616)],
    bgr_to_rgb=False)
# What CIFAR-100 changes in it.
cifar100_normalization = dict(
    mean=[255 * m for m in (0.5071, 0.4865, 0.4409)],
    std=[255 * s for s in (0.2673, 0.2564, 0.2762)])

# The monitors, both on the frozen backbone's pooled features, neither adds a
# gradient to pre-training:
# - OnlineLinearProbeHook: a linear classifier trained on every training
#   batch's first view (the training pipelines pack gt_label for it), scored
#   on the test split after every epoch (`online_linear_top1`), the analogue
#   of solo-learn's online linear accuracy (its classifier reads raw
#   features on solo-learn's lr schedule; this one standardises them at a
#   fixed lr, so expect the same trend, not the same figure);
# - KNNEvalHook: weighted kNN, k 200, T 0.1, as solo-learn's and lightly's
#   kNN monitors, of the test split against the training split
#   (`knn_top1`), every 10 epochs (a pass over 60,000 images).


def _hooks(train, num_classes, dcluster=False):
    """A whole custom_hooks list (a config cannot append to an inherited
    list): the DeepCluster family's memory bank and k-means first, exact
    resume and the NaN stop of every hexa_mm config, then the monitors. The
    32x32 images need no resizing to be embedded."""
    pack = dict(
        type='PackSelfSupInputs', algorithm_keys=['gt_label', 'sample_idx'])
    test = dict(train, test_mode=True, pipeline=[pack])
    hooks = [
        dict(type='RandomStateHook'),
        dict(type='NonFiniteLossHook'),
        dict(
            type='OnlineLinearProbeHook',
            num_classes=num_classes,
            interval=1,
            val_dataset=test),
        dict(
            type='KNNEvalHook',
            train_dataset=dict(train, pipeline=[pack]),
            val_dataset=test,
            k=200,
            temperature=0.1,
            interval=10),
    ]
    return [dict(type='DeepClusterV2Hook'), *hooks] if dcluster else hooks


cifar10_moco_hooks = _hooks(cifar10_train, 10)
cifar100_moco_hooks = _hooks(cifar100_train, 100)
cifar10_dcluster_hooks = _hooks(cifar10_train, 10, dcluster=True)
cifar100_dcluster_hooks = _hooks(cifar100_train, 100, dcluster=True)
