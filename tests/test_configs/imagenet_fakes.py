"""A tiny fake ImageNet and a pre-trained backbone for the tests of
``configs/benchmarks/classification/imagenet`` and ``tools/test.py``."""
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from PIL import Image

from tool_runs import CONFIGS, load_tool

BENCHMARKS = osp.join(CONFIGS, 'benchmarks', 'classification', 'imagenet')
WNIDS = ('n01440764', 'n01443537', 'n01484850')


def write_fake_imagenet(root: Union[str, os.PathLike],
                        train_per_class: Union[int, Sequence[int]],
                        val_per_class: Union[int, Sequence[int]],
                        seed: int = 0) -> str:
    """MMPretrain's ImageNet layout with small random JPEGs: ``train/<wnid>/
    <wnid>_<n>.JPEG``, ``val/<wnid>/...`` and ``meta/{train,val}.txt``
    (``<wnid>/<file> <label>`` lines), for ``WNIDS`` (labels 0, 1, 2)."""
    rng = np.random.default_rng(seed)
    for split, counts in (('train', train_per_class), ('val', val_per_class)):
        if isinstance(counts, int):
            counts = [counts] * len(WNIDS)
        lines = []
        for label, (wnid, count) in enumerate(zip(WNIDS, counts)):
            os.makedirs(osp.join(root, split, wnid), exist_ok=True)
            for i in range(count):
                name = f'{wnid}/{wnid}_{i}.JPEG'
                pixels = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(osp.join(root, split, name))
                lines.append(f'{name} {label}\n')
        os.makedirs(osp.join(root, 'meta'), exist_ok=True)
        with open(osp.join(root, 'meta', f'{split}.txt'), 'w') as f:
            f.writelines(lines)
    return str(root)


def pretrained_backbone(folder: Union[str, os.PathLike]
                        ) -> Dict[str, Union[str, Dict[str, torch.Tensor]]]:
    """A real pre-training checkpoint of ``configs/hexa_moco_r50_200e.py``'s
    model, and its backbone extracted by
    ``tools/model_converters/extract_backbone_weights.py``.

    Every BN tensor is moved off its initial value first (running
    statistics and ``num_batches_tracked`` included), so that a tensor that is
    not loaded can never equal the extracted one.

    Returns:
        dict: ``checkpoint`` (pre-training), ``backbone`` (extracted, .pth)
        and ``state`` (the extracted tensors).
    """
    from mmselfsup.registry import MODELS
    cfg = Config.fromfile(osp.join(CONFIGS, 'hexa_moco_r50_200e.py'))
    cfg.model.queue_len = 256  # the queue's size does not matter here
    with DefaultScope.overwrite_default_scope('mmselfsup'):
        model = MODELS.build(cfg.model)
    # BN tensors off their initial values (small changes: a frozen backbone
    # must stay numerically sane); conv weights are random draws already.
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for key, value in model.backbone.state_dict().items():
            noise = torch.randn(value.shape, generator=g)
            if key.endswith('num_batches_tracked'):
                value.fill_(7)
            elif key.endswith('running_var'):
                value.add_(noise.abs() * 0.1)
            elif not key.endswith('conv1.weight') and '.conv' not in key \
                    and 'downsample.0' not in key:
                value.add_(noise * 0.02)
    checkpoint = osp.join(folder, 'hexa_moco_r50.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)
    backbone = osp.join(folder, 'backbone.pth')
    load_tool('model_converters/extract_backbone_weights').main(
        [checkpoint, backbone])
    state = torch.load(backbone, map_location='cpu',
                       weights_only=True)['state_dict']
    return dict(checkpoint=checkpoint, backbone=backbone, state=state)


def benchmark_cfg(config: str,
                  data_root: str,
                  work_dir: Union[str, os.PathLike],
                  backbone: Optional[str] = None,
                  batch_size: int = 2,
                  image_size: Optional[int] = None) -> Config:
    """A benchmark config on the fake ImageNet, ``batch_size`` per process, no
    loader workers; ``image_size`` shrinks the crops (the config's own
    224-pixel pipeline otherwise)."""
    cfg = Config.fromfile(osp.join(BENCHMARKS, config))
    cfg.work_dir = str(work_dir)
    # Runners of one process with one name share their logger and
    # visualizer (MMEngine names them by the second they start).
    cfg.experiment_name = f'imagenet_benchmark_{osp.basename(str(work_dir))}'
    if backbone is not None:
        cfg.model.backbone.init_cfg.checkpoint = backbone
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[key]
        loader.batch_size = batch_size
        loader.num_workers = 0
        dataset = loader.dataset
        if dataset.type == 'LabelSubset':
            dataset = dataset.dataset
        dataset.data_root = data_root
        for step in dataset.pipeline if image_size else ():
            if step.type == 'RandomResizedCrop':
                step.scale = image_size
            elif step.type == 'ResizeEdge':
                step.scale = image_size * 8 // 7
            elif step.type == 'CenterCrop':
                step.crop_size = image_size
    return cfg
