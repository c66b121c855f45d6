"""Train (pre-train) a model from a config with MMEngine's Runner.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cpu-augment] [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
        [--vis tensorboard] [--debug]

Runs from the repository root, with hexa_mm installed (``make env``: editable,
``pip install -e .``). Before the Runner starts, the config is validated and a
``Pretrained`` backbone init is checked against its checkpoint (MMEngine would
only warn if nothing of it loaded). ``--vis tensorboard`` adds MMEngine's
TensorBoard backend (``tensorboard --logdir WORK_DIR``). Errors of the input (a
misspelled config field, a missing checkpoint, an unreadable image) print their
message alone and exit with status 2; ``--debug`` shows their traceback
(``hexa_mm.utils.run_cli``).
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner, find_latest_checkpoint

from hexa_mm.utils import (MissingCheckpointError, add_common_args,
                           amp_config, check_pretrained_backbone,
                           close_distributed, cpu_augment_config, load_cfg,
                           run_cli, validate_config)

#: --vis name -> MMEngine visualisation backend, beside the local JSON one.
VIS_BACKENDS = dict(tensorboard=dict(type='TensorboardVisBackend'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint or, given alone, from the latest '
        'checkpoint in the work directory')
    parser.add_argument(
        '--fresh-if-no-checkpoint',
        action='store_true',
        help='with --resume: start from scratch when the work directory holds '
        'no checkpoint (default: stop with an error)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='enable automatic mixed precision training')
    parser.add_argument(
        '--cpu-augment',
        action='store_true',
        help='run the view augmentations that the config\'s '
        'DeviceAugDataPreprocessor runs on the device in the CPU data '
        'pipeline instead (MMSelfSup\'s own transforms)')
    parser.add_argument(
        '--vis',
        nargs='+',
        choices=sorted(VIS_BACKENDS),
        default=[],
        help='also write the scalars for this viewer (tensorboard: under '
        'WORK_DIR/<timestamp>/vis_data; view with tensorboard --logdir '
        'WORK_DIR)')
    add_common_args(parser)
    return parser.parse_args(argv)


def build_cfg(args) -> Config:
    """The config after the command line's overrides."""
    cfg = load_cfg(args.config, args.launcher, args.cfg_options, args.work_dir,
                   args.local_rank)
    if args.amp:
        amp_config(cfg)
    if args.cpu_augment:
        cpu_augment_config(cfg)
    if args.resume == 'auto':
        ckpt = latest_checkpoint(cfg.work_dir)
        if ckpt is None and not args.fresh_if_no_checkpoint:
            raise MissingCheckpointError(
                f'--resume: no checkpoint in {cfg.work_dir} to resume from; '
                'run without --resume, or add --fresh-if-no-checkpoint')
        cfg.resume = ckpt is not None
        cfg.load_from = ckpt
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise MissingCheckpointError(
                f'--resume: checkpoint {args.resume} not found')
        cfg.resume = True
        cfg.load_from = args.resume
    add_vis_backends(cfg, args.vis)
    validate_config(cfg)
    check_pretrained_backbone(cfg)
    return cfg


def add_vis_backends(cfg: Config, names) -> None:
    """Add the visualisation backends of ``names`` (:data:`VIS_BACKENDS`)
    to the config's visualizer, once each."""
    if not names:
        return
    visualizer = cfg.setdefault('visualizer', dict(type='Visualizer'))
    backends = list(visualizer.get('vis_backends') or
                    [dict(type='LocalVisBackend')])
    for name in names:
        if VIS_BACKENDS[name]['type'] not in [b.get('type') for b in backends]:
            backends.append(dict(VIS_BACKENDS[name]))
    visualizer['vis_backends'] = backends


def latest_checkpoint(work_dir: str):
    """The checkpoint that MMEngine's ``last_checkpoint`` pointer in
    ``work_dir`` names (``find_latest_checkpoint``), or None without one.

    Raises:
        MissingCheckpointError: The pointer names a file that is gone.
    """
    named = find_latest_checkpoint(work_dir) if osp.isdir(work_dir) else None
    if named and not osp.isfile(named):
        raise MissingCheckpointError(
            f'--resume: {osp.join(work_dir, "last_checkpoint")} names '
            f'{named}, which does not exist; pass --resume CKPT')
    return named or None


def main(argv=None):
    runner = Runner.from_cfg(build_cfg(parse_args(argv)))
    try:
        runner.train()
        ckpt = osp.join(runner.work_dir, 'last_checkpoint')
        if runner.rank == 0 and osp.isfile(ckpt):
            with open(ckpt) as f:
                runner.logger.info(f'Checkpoint: {f.read().strip()}')
    finally:
        close_distributed()


if __name__ == '__main__':
    run_cli(main)
