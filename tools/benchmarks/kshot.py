"""k-shot linear-probe accuracy of a pre-trained backbone's frozen features.

    python tools/benchmarks/kshot.py CONFIG [CHECKPOINT] --dataset digits|imagenet
        [--data-root data/digits] [--shots 1 5 10] [--draws 5] [--seed 0]
        [--C 1.0] [--batch-size 256] [--launcher none|pytorch|slurm]
        [--out kshot.json]

As tools/benchmarks/knn.py (same model, checkpoint, splits and pipelines; without
a checkpoint, the model's own initialisation, ``init_weights()``): for
every k of ``--shots``, ``--draws`` class-balanced draws of k labelled training
images per class (seeds ``seed``, ``seed + 1``, ...), a logistic regression on the
standardised features of each, top-1 on the whole ``val`` split; the mean and the
standard deviation over the draws (hexa_mm.evaluation.kshot).
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))
# The kNN tool beside this one: its splits, pipelines and model loading.
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

from mmengine.config import DictAction  # noqa: E402
from mmengine.dist import get_rank, init_dist  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402

from hexa_mm.evaluation import kshot_eval, sequential_loader  # noqa: E402
from hexa_mm.utils import close_distributed, load_cfg  # noqa: E402
from knn import split_cfg  # noqa: E402
from mmselfsup.registry import MODELS  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='pre-training config')
    parser.add_argument('checkpoint', nargs='?',
                        help='pre-training checkpoint (none: random weights)')
    parser.add_argument('--dataset', choices=['imagenet', 'digits'],
                        default='digits')
    parser.add_argument('--data-root', default=None,
                        help='default: data/imagenet/ or data/digits')
    parser.add_argument('--shots', type=int, nargs='+', default=[1, 5, 10])
    parser.add_argument('--draws', type=int, default=5)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--C', type=float, default=1.0,
                        help='inverse L2 strength of the logistic regression')
    parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--num-workers', type=int, default=4)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm'])
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--out', default=None, help='write the result as JSON')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint} does not exist')
    cfg = load_cfg(args.config, args.launcher, args.cfg_options)
    if args.launcher != 'none':
        init_dist(args.launcher, **cfg.env_cfg.get('dist_cfg', {}))
    try:
        init_default_scope(cfg.get('default_scope', 'mmselfsup'))
        model = MODELS.build(cfg.model)
        if args.checkpoint:
            load_checkpoint(model, args.checkpoint, map_location='cpu',
                            strict=True)
        else:
            # The random network a pre-training run starts from (and that
            # the downstream configs' Runner builds): the modules' init_cfg
            # (e.g. Kaiming for ResNet), not PyTorch's default init.
            model.init_weights()
        data_root = args.data_root or ('data/digits' if args.dataset ==
                                       'digits' else 'data/imagenet/')
        train, val = (
            sequential_loader(
                split_cfg(args.dataset, data_root, split), args.batch_size,
                args.num_workers) for split in ('train', 'val'))
        scores = kshot_eval(model, train, val, args.shots, args.draws,
                            args.seed, args.C)
        rank = get_rank()  # before the process group goes
    finally:
        close_distributed()
    result = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        dataset=args.dataset,
        draws=args.draws,
        seed=args.seed,
        C=args.C,
        **{f'{k}shot_top1': s['mean']
           for k, s in scores.items()},
        **{f'{k}shot_top1_std': s['std']
           for k, s in scores.items()},
        draws_top1={str(k): s['top1']
                    for k, s in scores.items()})
    if rank == 0:
        for k, s in scores.items():
            print(f'{k}-shot top-1: {s["mean"]:.2f} +- {s["std"]:.2f} '
                  f'({args.draws} draws)')
        if args.out:
            with open(args.out, 'w') as f:
                json.dump(result, f, indent=2)
    return result


if __name__ == '__main__':
    main()
