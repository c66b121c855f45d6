# The online linear probes of the embedded sets' pre-training configs
# (hexa_mm.engine.hooks.OnlineLinearProbeHook): a linear classifier on the
# frozen backbone's features of each training batch, scored on the set's 500
# validation images after every epoch (`online_linear_top1` in the log). It
# adds no gradient to the backbone. Switch it off with --cfg-options
# custom_hooks.2.enabled=False (MoCo family; custom_hooks.3 for the DeepCluster
# family); the training pipelines pack `gt_label` for it.
digits_online_probe = dict(
    type='OnlineLinearProbeHook',
    num_classes=10,
    interval=1,
    lr=0.1,
    val_dataset=dict(
        type='DigitsDataset',
        data_root='data/digits',
        split='val',
        # hexa_mm.datasets.DIGITS_EVAL_PIPELINE
        pipeline=[
            dict(type='CheckedLoadImageFromFile'),
            dict(type='Resize', scale=(16, 16), backend='pillow'),
            dict(
                type='PackSelfSupInputs',
                algorithm_keys=['gt_label', 'sample_idx'],
                meta_keys=['img_path'])
        ]))
# The same probe on the coloured sets, whose validation images are read as the
# digits' (hexa_mm.datasets.SHAPES_EVAL_PIPELINE, TEXTURES_EVAL_PIPELINE).
shapes_online_probe = dict(
    digits_online_probe,
    val_dataset=dict(
        digits_online_probe['val_dataset'],
        type='ShapesDataset',
        data_root='data/shapes'))
textures_online_probe = dict(
    digits_online_probe,
    val_dataset=dict(
        digits_online_probe['val_dataset'],
        type='TexturesDataset',
        data_root='data/textures'))
