# Semi-supervised fine-tuning on 10% of the digits' labels: the ImageNet recipe
# (SwAV's, configs/benchmarks/classification/imagenet/
# resnet50_semi-10pct-8xb32-steplr-20e_in1k.py: trunk lr 0.01, head lr 0.2,
# SGD momentum 0.9, weight decay 0, lr x0.2 at 60% and 80% of training) at digits
# scale. The whole network trains (BN included); the labelled images are a
# deterministic class-balanced 10% of every class (LabelSubset, seed 0: 13 per
# class, 130 images), augmented by random resized crops of >= 60% of a scan as in
# pre-training (no flips: digits are not mirror-symmetric); 200 iterations x 32
# images (about 50 epochs of them).
_base_ = ['./_base_/resnet18_digits.py']

fraction = 0.1
max_iters = 200
train_pipeline = [
    dict(type='mmselfsup.CheckedLoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale={{_base_.digits_size}},
        crop_ratio_range=(0.6, 1.0),
        backend='pillow'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=32,
    dataset=dict(
        _delete_=True,
        type='LabelSubset',
        dataset=dict(
            type='DigitsDataset',
            data_root={{_base_.data_root}},
            split='train',
            pipeline=train_pipeline),
        fraction=fraction,
        seed=0))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.),
    # head lr = 0.01 x 20 = 0.2
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=20.)}))
param_scheduler = [
    dict(
        type='MultiStepLR',
        by_epoch=False,
        milestones=[int(0.6 * max_iters),
                    int(0.8 * max_iters)],
        gamma=0.2)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
