# Downstream classification on the embedded digits (MMPretrain): what the linear
# probe and the semi-supervised fine-tunes share. The backbone is the digits
# pre-training backbone (configs/_base_/models/digits_resnet18.py), so the weights
# that tools/model_converters/extract_backbone_weights.py extracts load as they
# are. Random initialisation unless told otherwise; the pre-trained trunk comes in
# the way MMSelfSup's benchmarks take it:
#   --cfg-options model.backbone.init_cfg.type=Pretrained \
#                 model.backbone.init_cfg.checkpoint=work_dirs/.../backbone.pth
_base_ = [
    'mmpretrain::_base_/models/resnet18_cifar.py',
    'mmpretrain::_base_/default_runtime.py',
    '../../../../_base_/models/digits_resnet18.py',
]
custom_imports = dict(imports=['hexa_mm'], allow_failed_imports=False)

model = dict(
    backbone={{_base_.digits_backbone}},
    head=dict(num_classes=10, in_channels={{_base_.digits_feat_channels}}))
# The pre-training's normalisation (MMSelfSup's MoCo-v2 / DeepCluster-v2 configs).
data_preprocessor = dict(
    num_classes=10,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

# 8x8 scans stored as grayscale PNGs, read as 3 channels and upscaled to the
# pre-training's input size (digits_size), as in DIGITS_EVAL_PIPELINE
# (hexa_mm/datasets/digits.py).
digits_size = {{_base_.digits_size}}
test_pipeline = [
    dict(type='mmselfsup.CheckedLoadImageFromFile'),
    dict(type='Resize', scale=(digits_size, digits_size), backend='pillow'),
    dict(type='PackInputs'),
]
data_root = 'data/digits'
# Iteration-based training (the data sets are tiny: 1% of the digits is ten
# images): the linear probe trains on unaugmented digits, the fine-tunes set
# their own augmentation (train_dataloader.dataset.pipeline).
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='DigitsDataset',
        data_root=data_root,
        split='train',
        pipeline=test_pipeline))
val_dataloader = dict(
    batch_size=250,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='DigitsDataset',
        data_root=data_root,
        split='val',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# Ten classes: top-5 says little, top-1 is the figure.
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_evaluator = val_evaluator

# Children set max_iters (and the schedule in iterations).
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1000, val_interval=1000)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(interval=20),
    # The last iteration's checkpoint is always written (save_last).
    checkpoint=dict(by_epoch=False, interval=1000, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
