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

from hexa_mm.benchmarks.probes import kshot_report
from hexa_mm.evaluation import add_probe_args
from hexa_mm.utils.errors import run_cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    add_probe_args(parser, default_dataset='digits')
    parser.add_argument('--shots', type=int, nargs='+', default=[1, 5, 10])
    parser.add_argument('--draws', type=int, default=5)
    parser.add_argument('--C', type=float, default=1.0,
                        help='inverse L2 strength of the logistic regression')
    return parser.parse_args(argv)


def main(argv=None):
    return kshot_report(parse_args(argv))


if __name__ == '__main__':
    run_cli(main)
