"""Weighted kNN accuracy of a pre-trained backbone's frozen features.

    python tools/benchmarks/knn.py CONFIG [CHECKPOINT] --dataset imagenet|digits
        [--data-root data/imagenet/] [--k 200] [--temperature 0.1]
        [--random-init init_cfg|pytorch] [--seed 0] [--batch-size 256]
        [--launcher none|pytorch|slurm] [--out knn.json]

The model is the pre-training config's (the checkpoint is loaded strictly;
without one, initialised as ``--random-init`` says, from ``--seed``); the
reference split is ``train``, the classified one ``val``: ImageNet-style
folders (``meta/train.txt``, ``meta/val.txt``, resize 256 + centre crop 224) or
the embedded digits at their pre-training size (hexa_mm.evaluation.probe).
Distributed launches split the work over ranks.
"""
import argparse

from hexa_mm.benchmarks.probes import knn_report
from hexa_mm.evaluation import add_probe_args
from hexa_mm.utils.errors import run_cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    add_probe_args(parser, default_dataset='imagenet')
    parser.add_argument('--k', type=int, default=200)
    parser.add_argument('--temperature', type=float, default=0.1)
    return parser.parse_args(argv)


def main(argv=None):
    return knn_report(parse_args(argv))


if __name__ == '__main__':
    run_cli(main)
