"""What several test modules share: the tools and shrunk digits runs."""
import importlib.util
import os
import os.path as osp
import subprocess

from mmengine.runner import Runner

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIGS = osp.join(ROOT, 'configs')


def load_tool(name):
    spec = importlib.util.spec_from_file_location(
        f'hexa_tool_{name}', osp.join(ROOT, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


train_tool = load_tool('train')


def tiny_digits_options(digits_root, config='mocov2', loader_workers=0,
                        **extra):
    """--cfg-options that shrink a digits config to a few CPU iterations;
    ``loader_workers=None`` keeps the config's own ``num_workers``."""
    opts = {
        'train_dataloader.dataset.data_root': digits_root,
        'train_dataloader.dataset.indices': 32,
        'train_dataloader.batch_size': 8,
        'model.backbone.base_channels': 8,
        'model.backbone.stem_channels': 8,
        'model.neck.in_channels': 64,
        'model.neck.hid_channels': 64,
        'default_hooks.logger.interval': 1,
    }
    if loader_workers is not None:
        opts['train_dataloader.num_workers'] = loader_workers
    if 'moco' in config:
        opts['model.queue_len'] = 64
    else:  # DeepCluster-v2 family
        opts['model.num_samples'] = 32
        opts['model.head.num_prototypes'] = 4
    opts.update(extra)
    return [f'{k}={v}' for k, v in opts.items()]


def run_tool(args, cwd, timeout=600, env=None):
    proc = subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={
            **os.environ,
            'OMP_NUM_THREADS': '1',
            **(env or {})
        })
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc.stdout + proc.stderr


def digits_runner(config, work_dir, digits_root, resume=None, name='run',
                  **extra_options):
    """A Runner of ``config`` shrunk to 2 epochs of 4 iterations by
    :func:`tiny_digits_options` (its online linear probe, if any, scores
    ``digits_root``'s digits); ``extra_options`` are more --cfg-options
    (applied before the Runner is built)."""
    args = [osp.join(CONFIGS, config), '--work-dir', str(work_dir)]
    if resume is not None:
        args += ['--resume'] + ([] if resume == 'auto' else [resume])
    args += ['--cfg-options',
             *tiny_digits_options(digits_root, config, **extra_options)]
    cfg = train_tool.build_cfg(train_tool.parse_args(args))
    cfg.train_cfg.max_epochs = 2
    cfg.param_scheduler = [
        dict(type='CosineAnnealingLR', T_max=2, by_epoch=True, begin=0, end=2)
    ]
    cfg.experiment_name = f'{name}_{osp.basename(str(work_dir))}'
    for hook in cfg.get('custom_hooks', []):
        if hook.get('type') == 'OnlineLinearProbeHook':
            hook.val_dataset.data_root = digits_root
    return Runner.from_cfg(cfg)
