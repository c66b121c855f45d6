"""A 2-D map (t-SNE or UMAP) of a backbone's features, coloured by label.

    python tools/visualize_features.py CONFIG [CKPT] [--method tsne|umap]
        [--dataset digits|imagenet] [--data-root DIR] [--split val]
        [--max-samples 1000] [--seed 0] [--perplexity 30] [--n-neighbors 15]
        [--random-init init_cfg|pytorch] [--cfg-options k=v ...]
        [--out FILE.png]

CONFIG is a pre-training config; CKPT one of its checkpoints, loaded strictly
(none: the randomly initialised backbone, for comparison). The data set is
the embedded digits or any ImageNet-style folder (``meta/<split>.txt`` lines
``<file> <label>``, images under ``<split>/``), at most ``--max-samples``
images of it drawn at random (``--seed``). ``--method umap`` needs the
optional package umap-learn (``pip install umap-learn``). Logic:
hexa_mm.visualization.
"""
import argparse
import os.path as osp

import torch
from mmengine.config import DictAction
from mmengine.registry import init_default_scope

from hexa_mm.evaluation import build_probe_model
from hexa_mm.evaluation.probe import (DEFAULT_DATA_ROOTS,
                                      RANDOM_INITS, probe_split_cfg)
from hexa_mm.utils import load_cfg, run_cli
from hexa_mm.visualization import (METHODS, feature_map_of_dataset,
                                   save_feature_map)
from mmselfsup.registry import DATASETS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='pre-training config')
    parser.add_argument(
        'checkpoint', nargs='?',
        help='pre-training checkpoint, loaded strictly (none: random init)')
    parser.add_argument('--method', choices=list(METHODS), default='tsne',
                        help='t-SNE (scikit-learn) or UMAP (umap-learn, '
                        'optional)')
    parser.add_argument('--dataset', choices=sorted(DEFAULT_DATA_ROOTS),
                        default='digits')
    parser.add_argument(
        '--data-root',
        help='default: ' + ' or '.join(DEFAULT_DATA_ROOTS.values()))
    parser.add_argument('--split', default='val')
    parser.add_argument('--max-samples', type=int, default=1000,
                        help='images drawn at random from the split')
    parser.add_argument('--perplexity', type=float, default=30.,
                        help="t-SNE's perplexity")
    parser.add_argument('--n-neighbors', type=int, default=15,
                        help="UMAP's number of neighbours")
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the sample, the map and random init')
    parser.add_argument('--random-init', choices=RANDOM_INITS,
                        default='init_cfg')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument(
        '--out', help='PNG file (default: work_dirs/feature_maps/<config '
        'stem>_<checkpoint stem or random>_<method>.png)')
    args = parser.parse_args(argv)
    if args.max_samples < 3:
        parser.error(f'--max-samples {args.max_samples}: expected >= 3')
    return args


def main(argv=None):
    """Returns what was drawn: ``out`` (the PNG), ``method``, the map's
    ``points`` (N, 2) and ``labels`` (N,), and ``panel``, what the picture
    shows (:func:`hexa_mm.visualization.drawn_panel`)."""
    args = parse_args(argv)
    cfg = load_cfg(args.config, cfg_options=args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmselfsup'))
    torch.manual_seed(args.seed)
    model = build_probe_model(cfg.model, args.checkpoint, args.random_init)
    data_root = args.data_root or DEFAULT_DATA_ROOTS[args.dataset]
    dataset = DATASETS.build(probe_split_cfg(args.dataset, data_root,
                                             args.split))
    points, labels = feature_map_of_dataset(
        model, dataset, args.max_samples, args.seed, args.perplexity,
        args.batch_size, args.num_workers, args.method, args.n_neighbors)
    stem = osp.splitext(osp.basename(args.config))[0]
    which = (osp.splitext(osp.basename(args.checkpoint))[0]
             if args.checkpoint else f'random-{args.random_init}')
    out = args.out or osp.join('work_dirs', 'feature_maps',
                               f'{stem}_{which}_{args.method}.png')
    name = METHODS[args.method]
    title = (f'{name} of {stem}, {which}: {len(labels)} {args.dataset} '
             f'{args.split} images')
    panel = save_feature_map(title, points, labels, out)
    print(f'{name} map: {out}')
    return dict(out=out, method=args.method, points=points, labels=labels,
                panel=panel)


if __name__ == '__main__':
    run_cli(main)
