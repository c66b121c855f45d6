"""k-shot linear-probe accuracy of a pre-trained backbone's frozen features.

    python tools/benchmarks/kshot.py CONFIG [CHECKPOINT] --dataset digits|imagenet
        [--data-root data/digits] [--shots 1 5 10] [--draws 5] [--seed 0]
        [--C 1.0] [--random-init init_cfg|pytorch] [--batch-size 256]
        [--launcher none|pytorch|slurm] [--out kshot.json]

The model, checkpoint, random initialisation, splits and pipelines are
tools/benchmarks/knn.py's (hexa_mm.evaluation.probe). For every k of
``--shots``, ``--draws`` class-balanced draws of k labelled training images per
class (seeds ``--seed``, ``--seed + 1``, ...), a logistic regression on the
standardised features of each, top-1 on the whole ``val`` split; the mean and
the standard deviation over the draws (hexa_mm.evaluation.kshot).
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

from hexa_mm.evaluation import add_probe_args, kshot_eval, run_probe  # noqa
from hexa_mm.utils.errors import run_cli  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    add_probe_args(parser, default_dataset='digits')
    parser.add_argument('--shots', type=int, nargs='+', default=[1, 5, 10])
    parser.add_argument('--draws', type=int, default=5)
    parser.add_argument('--C', type=float, default=1.0,
                        help='inverse L2 strength of the logistic regression')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    scores, rank = run_probe(
        args, lambda model, train, val: kshot_eval(
            model, train, val, args.shots, args.draws, args.seed, args.C))
    result = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        random_init=None if args.checkpoint else args.random_init,
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
    run_cli(main)
