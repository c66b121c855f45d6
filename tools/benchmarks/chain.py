"""Every downstream evaluation of one pre-training checkpoint, one summary.

    python tools/benchmarks/chain.py PRETRAIN_CONFIG CHECKPOINT
        [--suite digits|imagenet] [--steps STEP ...] [--work-dir DIR]
        [--launcher none|pytorch|slurm] [--gpus N] [--partition P]
        [--jobs J] [--quick] [--data-root DIR] [--cfg-options k=v ...]
        [--shots 1 5 10] [--draws 5] [--keep-going] [--skip-done] [--dry-run]
        [--root ROOT]

1. Extracts the backbone of CHECKPOINT (hexa_mm.utils.checkpoint, as
   tools/model_converters/extract_backbone_weights.py) to ``DIR/backbone.pth``.
2. Checks, before any step runs, that the backbone of every downstream config
   takes those weights key for key and shape for shape (``--cfg-options`` are
   PRETRAIN_CONFIG's, the ones the pre-training ran with; the architecture keys
   of its ``model.backbone`` that differ from a downstream config's, e.g. a
   narrower ``base_channels``, are forwarded to that config, and the channel
   counts that follow the trunk's output are set with them).
3. Runs the suite's steps, each as its own process (``tools/train.py`` then
   ``tools/test.py --out-metrics``, ``tools/benchmarks/knn.py`` or
   ``tools/benchmarks/kshot.py``; with ``--launcher pytorch`` under ``python -m
   torch.distributed.run --nproc_per_node N`` (torchrun), with ``--launcher
   slurm`` under ``srun``, as tools/dist_train.sh and tools/slurm_train.sh), each
   in ``DIR/<step>/`` with its output in ``DIR/logs/<step>.log``.
4. Writes ``DIR/summary.json`` and ``DIR/summary.md`` (a Markdown table: the
   pre-trained backbone, a randomly initialised one where the suite runs it,
   and their difference) after every step, so a crash loses nothing measured.

Suites (``--steps`` picks among them; default: the starred ones):

- ``digits``: knn* (k = 20), kshot* (``--shots`` labels per class, ``--draws``
  draws each), linear*, semi-1pct*, semi-10pct* (fine-tuning on 1% / 10% of the
  labels), det* (Faster R-CNN on the digit canvases), and ``<step>-random`` for
  each, the same protocol on a randomly initialised backbone (knn-random*,
  kshot-random*, linear-random*, det-random*, semi-1pct-random,
  semi-10pct-random). ``--data-root DIR``: DIR/digits, DIR/digit_canvases.
- ``imagenet``: linear* (MoCo's protocol for MoCo / HEXA-MoCo pre-training,
  SwAV's for DeepCluster-v2 / HEXA-DCluster / SwAV, from the config's
  ``model.type``), voc* (Faster R-CNN R50-C4, VOC07+12), semi-1pct, semi-10pct,
  finetune (100% of the labels), coco (Mask R-CNN R50-C4 1x), coco-fpn, knn.

The steps run the downstream configs and tools of ``--root ROOT`` (default:
the checkout that holds this tool): ``ROOT/configs/benchmarks/...``,
``ROOT/tools/train.py``, ``ROOT/tools/test.py`` and ``ROOT/tools/benchmarks/``;
each step's process imports the ``hexa_mm`` that runs the chain.

``--quick`` runs a few iterations of each step (1 epoch of a capped data set
for epoch-based configs) and no validation during training: a check of the
chain, not a measurement. ``--dry-run`` prints the commands and runs nothing.
``--jobs J`` runs J steps at a time (e.g. 2 on a CPU machine with
OMP_NUM_THREADS=1; not with --launcher pytorch); after a failure no new step
starts (``--keep-going``: they all run). ``--skip-done`` keeps the results of
an earlier run in the same work dir whose command line is unchanged.
"""
import argparse
import os.path as osp

from hexa_mm.benchmarks.chain import ChainError, run_chain

#: The checkout that holds this tool (tools/benchmarks/chain.py).
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n\n', 2)[2])
    parser.add_argument('config', help='the pre-training config')
    parser.add_argument('checkpoint', help='the pre-training checkpoint')
    parser.add_argument('--suite', choices=['digits', 'imagenet'],
                        default=None,
                        help='default: digits for a config whose name has '
                        '"digits", else imagenet')
    parser.add_argument('--steps', nargs='+', help='default: the suite\'s')
    parser.add_argument('--work-dir',
                        help='default: work_dirs/chain_<config stem>')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'],
                        default='none')
    parser.add_argument('--gpus', type=int, default=1,
                        help='processes per step (pytorch, slurm)')
    parser.add_argument('--port', type=int, default=29500,
                        help='torchrun master port')
    parser.add_argument('--partition', help='Slurm partition (srun -p)')
    parser.add_argument('--cpus-per-task', type=int, default=5)
    parser.add_argument('--srun-args', default='',
                        help='more srun arguments, one string')
    parser.add_argument('--data-root',
                        help='folder of the data sets, in place of the '
                        'configs\' data/ (e.g. DIR/digits, DIR/VOCdevkit)')
    parser.add_argument('--cfg-options', nargs='+', metavar='KEY=VALUE',
                        help='the pre-training run\'s overrides of CONFIG')
    parser.add_argument('--linear-config',
                        help='imagenet: this linear config instead of the '
                        'one chosen by the algorithm')
    parser.add_argument('--shots', type=int, nargs='+', default=[1, 5, 10],
                        help='kshot: labelled images per class')
    parser.add_argument('--draws', type=int, default=5,
                        help='kshot: draws per number of shots')
    parser.add_argument('--quick', action='store_true',
                        help='a few iterations of each step')
    parser.add_argument('--jobs', type=int, default=1,
                        help='steps run at a time (launcher none or slurm)')
    parser.add_argument('--keep-going', action='store_true',
                        help='run the other steps after one fails')
    parser.add_argument('--skip-done', action='store_true',
                        help='keep the results of the steps that the work '
                        'dir\'s summary.json has as done with the same '
                        'checkpoint and command line')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the commands, run nothing')
    parser.add_argument('--root', default=ROOT,
                        help='folder of the configs/ and tools/ that the '
                        'steps run (default: the checkout of this tool)')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    return run_chain(parse_args(argv))


if __name__ == '__main__':
    try:
        main()
    except ChainError as e:
        raise SystemExit(f'chain: {e}')
