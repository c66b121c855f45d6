"""Shipped configs run as users run them: ``tools/train.py`` with
``--cfg-options``, and what the run left behind (logs, checkpoints)."""
import glob
import itertools
import json
import os.path as osp
from typing import Callable, Dict, Iterator, List, Tuple

import torch
from mmengine.config import Config

from tool_runs import CONFIGS, train_tool


def shipped_configs() -> List[str]:
    """Every config under ``configs/`` that a user can run (``_base_``
    fragments excluded), relative to ``configs/``."""
    paths = glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
    return sorted(
        osp.relpath(p, CONFIGS) for p in paths
        if '_base_' not in osp.relpath(p, CONFIGS).split(osp.sep))


def paths_where(node, match: Callable[[dict], bool],
                prefix: str = '') -> Iterator[Tuple[str, dict]]:
    """``(dotted key, dict)`` of every dict of a config subtree that ``match``
    accepts, keyed as ``--cfg-options`` takes them (list items by index)."""
    if isinstance(node, dict):
        if match(node):
            yield prefix, node
        items = node.items()
    elif isinstance(node, (list, tuple)):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        yield from paths_where(value, match, f'{prefix}{"." if prefix else ""}'
                               f'{key}')


_runs = itertools.count()


def train(config: str, work_dir: str, options: Dict[str, object],
          resume: bool = False) -> None:
    """``python tools/train.py CONFIG --work-dir W [--resume] --cfg-options
    k=v ...``, in this process.

    Each run gets its own logger and visualizer names: MMEngine keeps one
    instance per name in a process, so a second Runner would otherwise write
    its scalars into the first one's folder.
    """
    argv = [osp.join(CONFIGS, config), '--work-dir', str(work_dir)]
    if resume:
        argv.append('--resume')
    run = next(_runs)
    options = {
        'experiment_name': f'e2e_{run}',
        'visualizer.name': f'e2e_visualizer_{run}',
        **options
    }
    argv += ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]
    train_tool.main(argv)


def logged_lines(work_dir: str) -> List[dict]:
    """Every line of ``scalars.json`` of every run in the work directory,
    oldest run first (training iterations and validations)."""
    lines = []
    for path in sorted(
            glob.glob(osp.join(str(work_dir), '*', 'vis_data',
                               'scalars.json'))):
        with open(path) as f:
            lines += [json.loads(line) for line in f]
    return lines


def logged_iterations(work_dir: str) -> List[dict]:
    """The training log lines of every run in the work directory."""
    return [line for line in logged_lines(work_dir) if 'loss' in line]


def load_checkpoint(path: str) -> dict:
    return torch.load(path, map_location='cpu', weights_only=False)


def scheduled_lrs(config: str, options: Dict[str, object],
                  iters_per_epoch: int, iters: int) -> List[float]:
    """The lr of each of the first ``iters`` iterations under the config's own
    ``param_scheduler`` (as MMEngine's Runner steps it: iteration-based
    schedulers every iteration, epoch-based ones every epoch)."""
    from mmengine.registry import PARAM_SCHEDULERS
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    cfg.merge_from_dict(dict(options))
    lr = cfg.optim_wrapper.optimizer.lr
    scaling = cfg.get('auto_scale_lr') or {}
    if scaling.get('enable'):  # one process
        lr *= cfg.train_dataloader.batch_size / scaling['base_batch_size']
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=lr)
    schedulers = []
    for scheduler in cfg.param_scheduler:
        scheduler = dict(scheduler)
        scheduler.pop('_scope_', None)
        cls = PARAM_SCHEDULERS.get(scheduler.pop('type'))
        if scheduler.pop('convert_to_iter_based', False):
            schedulers.append(cls.build_iter_from_epoch(
                optimizer, epoch_length=iters_per_epoch, **scheduler))
        else:
            schedulers.append(cls(optimizer, **scheduler))
    lrs = []
    for i in range(iters):
        lrs.append(optimizer.param_groups[0]['lr'])
        for s in schedulers:
            if not s.by_epoch:
                s.step()
        if (i + 1) % iters_per_epoch == 0:
            for s in schedulers:
                if s.by_epoch:
                    s.step()
    return lrs
