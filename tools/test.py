"""Evaluate a trained model (e.g. a linear-probe or fine-tuned classifier).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out-metrics FILE]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm]

The config's ``default_scope`` picks the registries and its test loop the
metrics: the ImageNet benchmarks of ``configs/benchmarks/classification`` build
MMPretrain classifiers and report ``accuracy/top1`` and ``accuracy/top5``.

The checkpoint must fit the config's model key for key and shape for shape
(MMEngine's Runner loads ``load_from`` non-strictly, which would evaluate
whatever weights are missing at their random initial values): a pre-training
checkpoint or an extracted backbone given here stops with the keys at fault.

``--out-metrics FILE`` writes the metrics dict as JSON (rank 0, atomically),
e.g. ``{"accuracy/top1": 67.5, "accuracy/top5": 88.0}``.
"""
import argparse
import json
import os
import os.path as osp
import re

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from hexa_mm.utils import (MissingCheckpointError,
                           add_common_args, atomic_write_bytes,
                           close_distributed, load_cfg, run_cli)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out-metrics',
        metavar='FILE',
        help='write the metrics dict to FILE as JSON (written whole or not '
        'at all)')
    add_common_args(parser)
    return parser.parse_args(argv)


def metrics_json(metrics: dict) -> bytes:
    """``metrics`` as indented JSON; tensors and arrays become numbers/lists."""

    def plain(value):
        if hasattr(value, 'tolist'):  # torch / numpy scalars and arrays
            return value.tolist()
        raise TypeError(f'metric value {value!r} ({type(value).__name__}) '
                        'cannot be written as JSON')

    return (json.dumps(metrics, indent=2, sort_keys=True, default=plain) +
            '\n').encode()


class CheckpointFitsModel(Hook):
    """Stop when the checkpoint is not one of the model's, before loading it.

    Runner.load_or_resume loads ``load_from`` with ``strict=False`` (no config
    key changes that): missing keys would be evaluated at their random initial
    values, with a warning only. This hook sees the checkpoint first
    (``after_load_checkpoint`` runs before the weights are copied).
    """

    def __init__(self, filename: str, config: str) -> None:
        self.filename = filename
        self.config = config

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        want = model.state_dict()
        got = checkpoint.get('state_dict', checkpoint)
        # Runner.load_checkpoint strips DDP's prefix the same way.
        got = {re.sub(r'^module\.', '', key): value
               for key, value in got.items()}
        # Checkpoints of old BN layers lack num_batches_tracked (MMEngine
        # ignores it too).
        missing = [
            k for k in want
            if k not in got and not k.endswith('num_batches_tracked')
        ]
        unexpected = [k for k in got if k not in want]
        reshaped = [
            f'{k} {tuple(got[k].shape)} vs {tuple(want[k].shape)}'
            for k in want if k in got and hasattr(got[k], 'shape')
            and tuple(got[k].shape) != tuple(want[k].shape)
        ]
        if not (missing or unexpected or reshaped):
            return
        problems = [
            what.format(len(found)) + f' (e.g. {", ".join(found[:3])})'
            for what, found in (('it lacks {} of them', missing),
                                ("{} of its keys are not the model's",
                                 unexpected),
                                ('{} have another shape', reshaped)) if found
        ]
        raise RuntimeError(
            f'checkpoint {self.filename} does not fit the model of '
            f'{self.config} ({len(want)} tensors): ' + '; '.join(problems) +
            ". Is it a checkpoint of this config's model? A pre-training "
            'checkpoint or an extracted backbone is not: train the '
            'classifier with tools/train.py first.')


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise MissingCheckpointError(
            f'checkpoint {args.checkpoint} does not exist')
    if args.out_metrics:
        # Fail now, not after the whole evaluation, if FILE's folder cannot be.
        os.makedirs(osp.dirname(osp.abspath(args.out_metrics)), exist_ok=True)
    cfg = load_cfg(args.config, args.launcher, args.cfg_options, args.work_dir,
                   args.local_rank)
    cfg.load_from = args.checkpoint
    try:
        runner = Runner.from_cfg(cfg)
        runner.register_hook(CheckpointFitsModel(args.checkpoint, args.config))
        metrics = runner.test()
        if args.out_metrics and runner.rank == 0:
            atomic_write_bytes(metrics_json(metrics), args.out_metrics)
            runner.logger.info(f'Metrics: {args.out_metrics}')
    finally:
        close_distributed()
    print(metrics)
    return metrics


if __name__ == '__main__':
    run_cli(main)
