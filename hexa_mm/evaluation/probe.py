"""What the frozen-feature probes (kNN, k-shot) share: model, splits, CLI.

A probe scores the backbone of a *pre-training* config: loaded strictly from a
checkpoint, or randomly initialised. "Random init" means one thing across the
project: the modules' own ``init_weights()`` (Kaiming for ResNet), the network
a pre-training run starts from and the one the Runner-based downstream configs
(linear probe, detection) train from scratch. PyTorch's default initialisation
(``'pytorch'``) gives stronger kNN features on small images; the demo and the
quality benchmark report it as a second, labelled bar.
"""
import argparse
import os.path as osp
from typing import Callable, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config, DictAction
from mmengine.dist import get_rank, init_dist
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from hexa_mm.datasets import (DIGITS_EVAL_PIPELINE, SHAPES_EVAL_PIPELINE,
                              TEXTURES_EVAL_PIPELINE)
from hexa_mm.utils import MissingCheckpointError, close_distributed, load_cfg
from .features import sequential_loader

#: ``random_init`` values: the modules' init_cfg, or PyTorch's default init.
RANDOM_INITS = ('init_cfg', 'pytorch')
DEFAULT_DATA_ROOTS = dict(
    imagenet='data/imagenet/', digits='data/digits', shapes='data/shapes',
    textures='data/textures')
#: The embedded sets: name -> (data set type, evaluation pipeline).
EMBEDDED = dict(
    digits=('DigitsDataset', DIGITS_EVAL_PIPELINE),
    shapes=('ShapesDataset', SHAPES_EVAL_PIPELINE),
    # The held-out third set: report protocols only, no selection.
    textures=('TexturesDataset', TEXTURES_EVAL_PIPELINE))
_PACK = dict(
    type='PackSelfSupInputs', algorithm_keys=['gt_label', 'sample_idx'])


def probe_split_cfg(dataset: str, data_root: str, split: str) -> dict:
    """The ``split`` of ``dataset`` with its evaluation pipeline: an embedded
    set (digits, shapes) at its pre-training size, or ImageNet-style folders
    (``meta/<split>.txt``, resize 256 + centre crop 224)."""
    if dataset in EMBEDDED:
        kind, pipeline = EMBEDDED[dataset]
        return dict(
            type=kind, data_root=data_root, split=split, pipeline=pipeline)
    if dataset != 'imagenet':
        raise ValueError(f'dataset {dataset!r}: expected one of '
                         f'{sorted(DEFAULT_DATA_ROOTS)}')
    return dict(
        type='mmcls.ImageNet',
        data_root=data_root,
        ann_file=f'meta/{split}.txt',
        data_prefix=dict(img_path=f'{split}/'),
        pipeline=[
            dict(type='CheckedLoadImageFromFile'),
            dict(type='mmcls.ResizeEdge', scale=256, edge='short',
                 backend='pillow'),
            dict(type='mmcls.CenterCrop', crop_size=224), _PACK
        ])


def build_probe_model(model_cfg: dict,
                      checkpoint: Optional[str] = None,
                      random_init: str = 'init_cfg') -> nn.Module:
    """Build the algorithm of ``model_cfg`` (in the current default scope)
    and load ``checkpoint`` strictly into it, or initialise it at random as
    ``random_init`` says (:data:`RANDOM_INITS`)."""
    from mmselfsup.registry import MODELS
    if random_init not in RANDOM_INITS:
        raise ValueError(
            f'random_init {random_init!r}: expected one of {RANDOM_INITS}')
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise MissingCheckpointError(f'checkpoint {checkpoint} does not exist')
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    elif random_init == 'init_cfg':
        model.init_weights()
    return model


def add_probe_args(parser: argparse.ArgumentParser,
                   default_dataset: str) -> None:
    """The arguments every probe tool takes: config, checkpoint, data,
    loader, launcher, overrides and ``--out``."""
    parser.add_argument('config', help='pre-training config')
    parser.add_argument(
        'checkpoint', nargs='?',
        help='pre-training checkpoint, loaded strictly (none: random init)')
    parser.add_argument('--dataset', choices=sorted(DEFAULT_DATA_ROOTS),
                        default=default_dataset)
    parser.add_argument(
        '--data-root',
        help='default: ' + ' or '.join(DEFAULT_DATA_ROOTS.values()))
    parser.add_argument(
        '--random-init', choices=RANDOM_INITS, default='init_cfg',
        help="without a checkpoint: the modules' init_cfg (what pre-training "
        "and the Runner start from) or PyTorch's default init")
    parser.add_argument(
        '--seed', type=int, default=0,
        help='seed of the random initialisation (and of any draws)')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--num-workers', type=int, default=4)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm'])
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out', help='write the result as JSON')


def run_probe(args: argparse.Namespace,
              evaluate: Callable) -> Tuple[object, int]:
    """Build the model and the ``train`` / ``val`` loaders that ``args``
    (:func:`add_probe_args`) name, return ``evaluate(model, train, val)`` and
    this process's rank. Distributed launches split the work over ranks."""
    cfg: Config = load_cfg(args.config, args.launcher, args.cfg_options)
    if args.launcher != 'none':
        init_dist(args.launcher, **cfg.env_cfg.get('dist_cfg', {}))
    # Read before close_distributed(): afterwards every rank reports rank 0.
    rank = get_rank()
    try:
        init_default_scope(cfg.get('default_scope', 'mmselfsup'))
        torch.manual_seed(args.seed)
        model = build_probe_model(cfg.model, args.checkpoint,
                                  args.random_init)
        data_root = args.data_root or DEFAULT_DATA_ROOTS[args.dataset]
        train, val = (
            sequential_loader(
                probe_split_cfg(args.dataset, data_root, split),
                args.batch_size, args.num_workers)
            for split in ('train', 'val'))
        return evaluate(model, train, val), rank
    finally:
        close_distributed()
