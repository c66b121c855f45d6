"""Training-step speed of the HEXA algorithms against their baselines
(``tools/benchmarks/speed.py``): time per step in interleaved rounds, FLOPs
per step, peak memory.

Every method runs full training steps on the same synthetic batch:
``model.train_step`` with MMEngine's ``OptimWrapper`` (SGD), which is what the
Runner runs. Each ratio is the median over rounds of (method time / baseline
time) measured in the same round. The models come from the ImageNet configs
in the folder that the caller names (``args.configs``).
"""
import copy
import os.path as osp
import pickle
import statistics
import subprocess
import sys
import time
from typing import List

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmengine.utils import get_installed_path

from hexa_mm.evaluation import build_probe_model
from mmselfsup.structures import SelfSupDataSample
from .child_env import child_env
from .flops import FlopCount
from .report_io import write_json, write_text

STOCK_MOCO = 'mmselfsup::selfsup/mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py'
#: The embedded digits' ResNet-18 (``--backbone digits``), in the configs
#: folder.
DIGITS_BACKBONE = osp.join('_base_', 'models', 'digits_resnet18.py')


def config_path(config):
    """A config file, or one of MMSelfSup's as ``mmselfsup::path``."""
    if config.startswith('mmselfsup::'):
        return osp.join(get_installed_path('mmselfsup'), '.mim', 'configs',
                        config.split('::', 1)[1])
    return config


def model_cfg(config, digits_backbone=None, **overrides):
    """The config's model, on a full ResNet-50 or, given ``digits_backbone``
    (the file that defines the embedded digits' ResNet-18), on that one."""
    cfg = copy.deepcopy(Config.fromfile(config_path(config)).model.to_dict())
    if digits_backbone is not None:
        digits = Config.fromfile(digits_backbone)
        cfg['backbone'] = digits.digits_backbone.to_dict()
        cfg['backbone'].pop('_delete_', None)
        cfg['neck'].update(in_channels=digits.digits_feat_channels,
                           hid_channels=digits.digits_feat_channels)
    if 'norm_cfg' in cfg.get('backbone', {}):
        cfg['backbone']['norm_cfg'] = dict(type='BN')  # no process group here
    if cfg['neck'].get('type') == 'SwAVNeck':
        cfg['neck']['norm_cfg'] = dict(type='BN1d')
    pre = cfg.get('data_preprocessor') or {}
    if pre.get('type') == 'DeviceAugDataPreprocessor':
        # Training steps only, as for MMSelfSup's stock model: the view
        # augmentations' cost is tools/benchmarks/pipeline.py's to measure.
        cfg['data_preprocessor'] = dict(
            type='SelfSupDataPreprocessor', mean=pre['mean'], std=pre['std'],
            bgr_to_rgb=pre['bgr_to_rgb'])
    cfg.update(overrides)
    return cfg


def methods(family, backbone, batch, configs):
    """(name, model config, crops) of the family, the first the baseline.

    Args:
        family (str): ``'moco'`` or ``'dcluster'``.
        backbone (str): ``'digits'`` (the embedded digits' ResNet-18, from
            ``configs``) or ``'r50'`` (the configs' ResNet-50).
        batch (int): Images per batch (the MoCo queue is 128 batches).
        configs (str): The folder of the ImageNet pre-training configs.
    """
    digits = (osp.join(configs, DIGITS_BACKBONE)
              if backbone == 'digits' else None)
    if family == 'moco':
        queue = dict(queue_len=batch * 128)
        hexa = osp.join(configs, 'hexa_moco_r50_200e.py')
        return [
            ('MoCo-v2 (MMSelfSup stock)',
             model_cfg(STOCK_MOCO, digits, **queue), 2),
            ('MoCo-v2 (HEXAMoCo, hard terms off)',
             model_cfg(hexa, digits, adversarial=None, cutmix=None,
                       **queue), 2),
            ('HEXA-MoCo', model_cfg(hexa, digits, **queue), 2),
            ('HEXA-MoCo cut-mix only (w_adv=0)',
             model_cfg(hexa, digits, w_adv=0., **queue), 2),
            ("HEXA-MoCo cut-mix in place (mix_mode='replace')",
             model_cfg(hexa, digits, w_adv=0., mix_mode='replace',
                       **queue), 2),
        ]
    num = dict(num_samples=max(4096, batch), head=dict(
        type='MultiPrototypeHead', num_heads=3, num_prototypes=300,
        feat_dim=128, temperature=0.1))
    hexa = osp.join(configs, 'hexa_dcluster_r50_200e.py')
    return [
        ('DeepCluster-v2',
         model_cfg(osp.join(configs, 'deepclusterv2_r50_200e.py'), digits,
                   **num), 2),
        ('HEXA-DCluster', model_cfg(hexa, digits, **num), 2),
        ('HEXA-DCluster cut-mix only (w_adv=0)',
         model_cfg(hexa, digits, w_adv=0., **num), 2),
        ("HEXA-DCluster cut-mix in place (mix_mode='replace')",
         model_cfg(hexa, digits, w_adv=0., mix_mode='replace', **num), 2),
    ]


def make_batch(batch, size, crops, device):
    """A synthetic batch of ``crops`` views of ``size`` pixels (one size,
    or a list of one a view)."""
    sizes = list(size) if isinstance(size, (list, tuple)) else [size] * crops
    g = torch.Generator().manual_seed(0)
    samples = []
    for i in range(batch):
        s = SelfSupDataSample()
        s.sample_idx = InstanceData(value=torch.tensor([i]))
        samples.append(s)
    return dict(
        inputs=[torch.randint(0, 256, (batch, 3, side, side), generator=g,
                              dtype=torch.uint8).to(device)
                for side in sizes],
        data_samples=samples)


class TrainStep:
    """One model and its optimizer: ``step()`` is a full training step."""

    def __init__(self, cfg, batch, size, crops, device):
        torch.manual_seed(0)
        # PyTorch's default init, as MMSelfSup's stock model gets it.
        self.model = build_probe_model(cfg, random_init='pytorch').to(
            device).train()
        if hasattr(self.model, 'memory_bank'):  # DeepCluster-v2: ready to train
            self.model.memory_bank.copy_(torch.nn.functional.normalize(
                torch.randn_like(self.model.memory_bank), dim=2))
            self.model.bank_filled.fill_(True)
            self.model.cluster(0)
        self.optim = OptimWrapper(
            torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.9))
        self.data = make_batch(batch, size, crops, device)
        self.device = device

    def step(self):
        self.model.train_step(self.data, self.optim)

    def flops(self):
        """FLOPs of one training step."""
        with FlopCount() as count:
            self.step()
        return count.total

    def timed(self, iters):
        if self.device == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(iters):
            self.step()
        if self.device == 'cuda':
            torch.cuda.synchronize()
        return (time.perf_counter() - start) / iters


def _rss_kib(field):
    with open('/proc/self/status') as f:
        return next(int(line.split()[1]) for line in f
                    if line.startswith(field + ':'))


def peak_rss_child():
    """In the fresh process: the peak RSS (MiB) that the model adds."""
    cfg, batch, size, crops = pickle.loads(sys.stdin.buffer.read())
    init_default_scope('mmselfsup')
    # Linux: reset the peak RSS after the imports, so that the figure is what
    # the model, its data and two training steps add.
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
    base = _rss_kib('VmRSS')
    runner = TrainStep(cfg, batch, size, crops, 'cpu')
    for _ in range(2):
        runner.step()
    print((_rss_kib('VmHWM') - base) / 1024)


def cpu_peak_mib(cfg, batch, size, crops):
    """Peak RSS (MiB) that building the model and two training steps add, in
    a fresh interpreter (this one's peak holds the other methods')."""
    proc = subprocess.run(
        [sys.executable, '-c',
         'from hexa_mm.benchmarks.speed import peak_rss_child; '
         'peak_rss_child()'],
        input=pickle.dumps((cfg, batch, size, crops)),
        capture_output=True,
        env=child_env())
    if proc.returncode:
        raise RuntimeError('speed.py: the peak-memory process failed:\n' +
                           proc.stderr.decode(errors='replace'))
    return float(proc.stdout.decode().split()[-1])


def run_speed(args) -> List[dict]:
    """Every row of the table that ``args`` (the tool's command line) asks
    for: per family, the methods timed in interleaved rounds."""
    init_default_scope('mmselfsup')
    device = args.device
    rows = []
    for family in args.family:
        entries = methods(family, args.backbone, args.batch, args.configs)
        if args.wrapper_only:
            entries = entries[:2]
        steps = [TrainStep(cfg, args.batch, args.size, crops, device)
                 for _, cfg, crops in entries]
        for step in steps:  # warm-up (allocator, caches, queue fill)
            step.timed(args.warmup)
        times = [[] for _ in steps]
        for r in range(args.rounds):
            for i, step in enumerate(steps):
                times[i].append(step.timed(args.iters))
            print(f'[{family}] round {r + 1}/{args.rounds}: ' + ', '.join(
                f'{t[-1]:.3f}s' for t in times), flush=True)
        flops = [step.flops() for step in steps]
        for i, (name, cfg, crops) in enumerate(entries):
            if device == 'cuda':
                torch.cuda.reset_peak_memory_stats()
                steps[i].step()
                peak = torch.cuda.max_memory_allocated() / 2**20
            else:
                peak = cpu_peak_mib(cfg, args.batch, args.size, crops)
            ratios = [t / b for t, b in zip(times[i], times[0])]
            sec = statistics.median(times[i])
            rows.append(dict(
                family=family, method=name, sec_per_iter=round(sec, 4),
                images_per_sec=round(args.batch / sec, 1),
                ratio_to_baseline=round(statistics.median(ratios), 3),
                ratio_range=[round(min(ratios), 3), round(max(ratios), 3)],
                gflop_per_iter=round(flops[i] / 1e9, 3),
                flop_ratio_to_baseline=round(flops[i] / flops[0], 3),
                peak_mib=round(peak)))
        del steps
    return rows


def markdown(rows: List[dict], args) -> str:
    """The printed and saved table, under a line of the settings."""
    header = (f'device={args.device} ({torch.get_num_threads()} threads) '
              f'backbone={args.backbone} batch={args.batch} '
              f'size={args.size}px')
    lines = [header, '',
             '| family | method | s / iter | images / s | x baseline | '
             'x baseline, rounds min-max | GFLOP / iter | x baseline FLOPs | '
             'peak MiB |', '|---|---|---|---|---|---|---|---|---|']
    lines += [f"| {r['family']} | {r['method']} | {r['sec_per_iter']} | "
              f"{r['images_per_sec']} | {r['ratio_to_baseline']} | "
              f"{r['ratio_range'][0]}-{r['ratio_range'][1]} | "
              f"{r['gflop_per_iter']} | {r['flop_ratio_to_baseline']} | "
              f"{r['peak_mib']} |" for r in rows]
    return '\n'.join(lines)


def speed_report(args) -> List[dict]:
    """Run :func:`run_speed`, print the table and write it to
    ``args.out + '.md'``, the rows and settings to ``args.out + '.json'``."""
    rows = run_speed(args)
    table = markdown(rows, args)
    print('\n' + table)
    write_text(args.out + '.md', table + '\n')
    write_json(args.out + '.json', dict(settings=vars(args), rows=rows))
    return rows
