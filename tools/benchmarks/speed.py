"""Training-step speed of the HEXA algorithms against their baselines.

    python tools/benchmarks/speed.py [--family moco dcluster] [--batch 32]
        [--size 32] [--iters 10] [--warmup 3] [--rounds 3] [--device cpu|cuda]
        [--backbone digits|r50] [--configs DIR] [--out results/speed]
        [--wrapper-only]

In one process, every method runs full training steps on the same synthetic
batch: ``model.train_step`` with MMEngine's ``OptimWrapper`` (SGD), which is
what the Runner runs (data preprocessor, loss, backward, step; two backward
passes with adversarial examples). Methods are timed in interleaved rounds
after warm-up, and each ratio is the median over rounds of (method time /
baseline time) measured in the same round, so a machine that slows down in the
middle hurts both sides; the spread of those per-round ratios is printed with
it. FLOPs (matmuls and convolutions, forward and backward, by torch's own
per-op formulas) of one training step are counted too: unlike time, they do
not depend on the machine or its load, and they show what the maths costs.
Peak memory is the CUDA allocator's peak on GPU; on CPU it is the peak RSS
that building the model and two training steps add to a child process
(Linux), beyond its imports.

The models are those of the ImageNet configs in ``--configs`` (default: the
``configs`` folder of the checkout that holds this tool), on ``--backbone
digits`` (the embedded digits' ResNet-18, ``_base_/models/digits_resnet18.py``
there) or the configs' ResNet-50. ``--out`` gets ``.md`` and ``.json``.

Families:
  moco:     MMSelfSup's stock MoCo (its own config) / HEXAMoCo with both hard
            terms off (our wrapper) / HEXA-MoCo (adversarial and cut-mixed
            queries) / cut-mixed queries only / cut-mixed queries in place of
            half the clean ones (``mix_mode='replace'``, the baseline's cost)
            (``--wrapper-only``: the first two, to check with many rounds
            that the wrapper costs nothing)
  dcluster: DeepCluster-v2 / HEXA-DCluster (both kinds on the 2 high-res
            crops) / cut-mixed crops only / cut-mixed crops in place
"""
import argparse
import os.path as osp

import torch

from hexa_mm.benchmarks.speed import speed_report
from hexa_mm.utils.errors import run_cli

#: The configs of the checkout that holds this tool (tools/benchmarks/).
CONFIGS = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--family', nargs='+', default=['moco', 'dcluster'],
                        choices=['moco', 'dcluster'])
    parser.add_argument('--backbone', default='digits',
                        choices=['digits', 'r50'])
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--size', type=int, default=32)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available()
                        else 'cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--configs', default=CONFIGS,
                        help='folder of the pre-training configs (default: '
                        "this checkout's configs/)")
    parser.add_argument('--out', default=osp.join('results', 'speed'),
                        help='path of the report without its suffix '
                        '(relative to the current directory)')
    parser.add_argument('--wrapper-only', action='store_true',
                        help="MMSelfSup's stock MoCo against our HEXAMoCo with "
                        'the hard terms off, nothing else')
    args = parser.parse_args(argv)
    if args.wrapper_only and args.family != ['moco']:
        parser.error('--wrapper-only times the MoCo family: use --family moco')
    return speed_report(args)


if __name__ == '__main__':
    run_cli(main)
