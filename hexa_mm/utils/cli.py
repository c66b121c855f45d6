"""What tools/train.py and tools/test.py share: arguments and config overrides."""
import argparse
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, DictAction


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options``, ``--launcher`` and ``--local-rank``."""
    parser.add_argument(
        '--work-dir',
        help='where logs and checkpoints go (default: work_dirs/<config stem>)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (e.g. '
        'train_cfg.max_epochs=2 "model.queue_len=4096")')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local-rank (torch >= 2.0) or --local_rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_cfg(config: str,
             launcher: str = 'none',
             cfg_options: Optional[dict] = None,
             work_dir: Optional[str] = None,
             local_rank: int = 0) -> Config:
    """Load ``config`` and apply the common command-line overrides.

    ``work_dir`` is taken from the command line, then the config, then
    ``work_dirs/<config stem>``. A distributed launch on a machine without CUDA
    uses the ``gloo`` backend and a CPU DDP wrapper, so DDP runs on CPU too.
    """
    os.environ.setdefault('LOCAL_RANK', str(local_rank))
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config))[0])
    if launcher != 'none' and not torch.cuda.is_available():
        # NCCL needs GPUs, and DDP takes no device_ids for a CPU module.
        dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        if dist_cfg.get('backend', 'nccl') == 'nccl':
            dist_cfg['backend'] = 'gloo'
        wrapper = cfg.get('model_wrapper_cfg') or dict(
            type='MMDistributedDataParallel', broadcast_buffers=False)
        wrapper.setdefault('device_ids', None)
        cfg.model_wrapper_cfg = wrapper
    return cfg


def amp_config(cfg: Config) -> None:
    """``--amp``: train with MMEngine's ``AmpOptimWrapper`` (dynamic loss
    scaling unless the config sets one).

    Raises:
        ConfigError: The config's optimizer wrapper is another one.
    """
    from .config_check import ConfigError
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ConfigError(f'--amp needs optim_wrapper.type OptimWrapper or '
                          f'AmpOptimWrapper, the config has {wrapper!r}')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def close_distributed() -> None:
    """Wait for every rank, then tear the process group down.

    MMEngine leaves the group to interpreter exit, where gloo's threads can
    abort the process ("terminate called without an active exception",
    SIGABRT) after a run that otherwise succeeded. Destroying it here made
    that rare, not impossible: :func:`~hexa_mm.utils.run_cli` also ends a
    launched rank before finalisation (``compat.exit_launched_worker``).
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
