"""Weighted kNN accuracy of a pre-trained backbone's frozen features.

    python tools/benchmarks/knn.py CONFIG [CHECKPOINT] --dataset imagenet|digits
        [--data-root data/imagenet/] [--k 200] [--temperature 0.1]
        [--batch-size 256] [--launcher none|pytorch|slurm] [--out knn.json]

The model is the pre-training config's (the checkpoint is loaded strictly); the
reference split is ``train``, the classified one ``val``: ImageNet-style folders
(``meta/train.txt``, ``meta/val.txt``, resize 256 + centre crop 224) or the
embedded digits (resized to 32). Distributed launches split the work over ranks.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

from mmengine.config import DictAction  # noqa: E402
from mmengine.dist import get_rank, init_dist  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402

from hexa_mm.datasets import DIGITS_EVAL_PIPELINE  # noqa: E402
from hexa_mm.evaluation import knn_eval, sequential_loader  # noqa: E402
from hexa_mm.utils import close_distributed, load_cfg  # noqa: E402
from mmselfsup.registry import MODELS  # noqa: E402

PACK = dict(type='PackSelfSupInputs', algorithm_keys=['gt_label', 'sample_idx'])


def split_cfg(dataset: str, data_root: str, split: str) -> dict:
    if dataset == 'digits':
        return dict(
            type='DigitsDataset',
            data_root=data_root,
            split=split,
            pipeline=DIGITS_EVAL_PIPELINE)
    return dict(
        type='mmcls.ImageNet',
        data_root=data_root,
        ann_file=f'meta/{split}.txt',
        data_prefix=dict(img_path=f'{split}/'),
        pipeline=[
            dict(type='CheckedLoadImageFromFile'),
            dict(type='mmcls.ResizeEdge', scale=256, edge='short',
                 backend='pillow'),
            dict(type='mmcls.CenterCrop', crop_size=224), PACK
        ])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--dataset', choices=['imagenet', 'digits'],
                        default='imagenet')
    parser.add_argument('--data-root', default=None,
                        help='default: data/imagenet/ or data/digits')
    parser.add_argument('--k', type=int, default=200)
    parser.add_argument('--temperature', type=float, default=0.1)
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--num-workers', type=int, default=4)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm'])
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out', default=None, help='write the result as JSON')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_cfg(args.config, args.launcher, args.cfg_options)
    if args.launcher != 'none':
        init_dist(args.launcher, **cfg.env_cfg.get('dist_cfg', {}))
    # Read before close_distributed(): afterwards every rank reports rank 0.
    rank = get_rank()
    try:
        init_default_scope(cfg.get('default_scope', 'mmselfsup'))
        model = MODELS.build(cfg.model)
        if args.checkpoint:
            load_checkpoint(model, args.checkpoint, map_location='cpu',
                            strict=True)
        data_root = args.data_root or ('data/digits' if args.dataset ==
                                       'digits' else 'data/imagenet/')
        train, val = (
            sequential_loader(
                split_cfg(args.dataset, data_root, split), args.batch_size,
                args.num_workers) for split in ('train', 'val'))
        top1 = knn_eval(model, train, val, args.k, args.temperature)
    finally:
        close_distributed()
    result = dict(config=args.config, checkpoint=args.checkpoint,
                  dataset=args.dataset, k=args.k,
                  temperature=args.temperature, knn_top1=top1)
    if rank == 0:
        print(f'kNN (k={args.k}, T={args.temperature}) top-1: {top1:.2f}')
        if args.out:
            with open(args.out, 'w') as f:
                json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
