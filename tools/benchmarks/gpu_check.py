"""The one prepared check for a lent GPU: training throughput and peak memory
of each pre-training family, HEXA against its baseline.

    python tools/benchmarks/gpu_check.py [--steps 30] [--batch 64]
        [--size 224] [--depth 50] [--warmup 5] [--workers N]
        [--families mocov2 hexa_moco deepclusterv2 hexa_dcluster]
        [--amp both|on|off] [--augment both|device|cpu]
        [--configs DIR] [--out results/gpu_check] [--log-level WARNING]

Each (family, AMP, augment) setting trains the family's ImageNet config
(``configs/{mocov2,hexa_moco,deepclusterv2,hexa_dcluster}_r50_200e.py`` of the
checkout that holds this tool, or ``--configs``) through MMEngine's Runner as
``tools/train.py [--amp] [--cpu-augment]`` configures it, for one epoch of
``--steps`` batches over generated 500x375 JPEGs, in this process. It prints
progress, then a table of images/s (batch / mean step after ``--warmup``
steps), seconds per step, peak memory (CUDA allocator; peak RSS on CPU) and
the last loss, and the HEXA / baseline ratios of images/s and memory per
(AMP, augment) setting; ``--out`` gets ``.md`` and ``.json`` (with the
device, torch and CUDA versions), rewritten after every run. MMEngine's AMP
wrapper needs CUDA: without it the AMP rows say so. A failed run is a row
(status ``failed``, its error) and the exit status is 1.
docs/gpu_check.md: the recipe for a lent machine (``tools/benchmarks/
gpu_check.sh``).
"""
import argparse
import os
import os.path as osp
import sys

from hexa_mm.benchmarks.gpu_check import (AMP_CHOICES, AUGMENT_CHOICES,
                                          FAMILIES, gpu_check_report)
from hexa_mm.utils.errors import run_cli

#: The configs of the checkout that holds this tool (tools/benchmarks/).
CONFIGS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be at least 1, got {value}')
    return value


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--steps', type=positive, default=30,
                        help='training steps per run, warm-up included')
    parser.add_argument('--warmup', type=positive, default=5,
                        help='first steps left out of the timing (at most '
                        'steps - 1)')
    parser.add_argument('--batch', type=positive, default=64)
    parser.add_argument('--size', type=positive, default=224,
                        help="crop side in pixels (the configs' 224)")
    parser.add_argument('--depth', type=int, default=50,
                        choices=[18, 34, 50, 101, 152], help='ResNet depth')
    parser.add_argument('--workers', type=int,
                        default=max(0, (os.cpu_count() or 1) - 1),
                        help='data loader workers (default: one per CPU but '
                        'one)')
    parser.add_argument('--families', nargs='+', default=list(FAMILIES),
                        choices=list(FAMILIES))
    parser.add_argument('--amp', default='both', choices=list(AMP_CHOICES))
    parser.add_argument('--augment', default='both',
                        choices=list(AUGMENT_CHOICES),
                        help="where the views are augmented: 'device' (the "
                        "configs' DeviceAugDataPreprocessor), 'cpu' "
                        '(tools/train.py --cpu-augment)')
    parser.add_argument('--configs', default=CONFIGS,
                        help='folder of the pre-training configs (default: '
                        "this checkout's configs/)")
    parser.add_argument('--out', default=osp.join('results', 'gpu_check'),
                        help='path of the report without its suffix')
    parser.add_argument('--log-level', default='WARNING',
                        help="the Runners' log level")
    args = parser.parse_args(argv)
    if args.steps < 2:
        parser.error(f'--steps {args.steps}: need at least 2 (one warm-up, '
                     'one timed)')
    if args.workers < 0:
        parser.error(f'--workers {args.workers}: must be 0 or more')
    return args


def main(argv=None):
    report = gpu_check_report(parse_args(argv))
    if any(row['status'] == 'failed' for row in report['rows']):
        sys.exit(1)
    return report


if __name__ == '__main__':
    run_cli(main)
