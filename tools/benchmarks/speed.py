"""Training-step speed of the HEXA algorithms against their baselines.

    python tools/benchmarks/speed.py [--family moco dcluster] [--batch 32]
        [--size 32] [--iters 10] [--warmup 3] [--rounds 3] [--device cpu|cuda]
        [--backbone digits|r50] [--out results/speed] [--wrapper-only]

In one process, every method runs full training steps on the same synthetic
batch: ``model.train_step`` with MMEngine's ``OptimWrapper`` (SGD), which is
what the Runner runs (data preprocessor, loss, backward, step; two backward
passes for ``reuse_clean_grad``). Methods are timed in interleaved rounds after
warm-up, and each ratio is the median over rounds of (method time / baseline
time) measured in the same round, so a machine that slows down in the middle
hurts both sides; the spread of those per-round ratios is printed with it.
FLOPs (matmuls and convolutions, forward and backward, by torch's own per-op
formulas) of one training step are counted too: unlike time, they do not depend
on the machine or its load, and they show what the maths costs. Peak memory is
the CUDA allocator's peak on GPU; on CPU it is the peak RSS that building the
model and two training steps add to a child process (Linux), beyond its
imports.

Families:
  moco:     MMSelfSup's stock MoCo (its own config) / HEXAMoCo with both hard
            terms off (our wrapper) / HEXA-MoCo at hard_fraction 1 and 0.5,
            with and without reuse_clean_grad, 0.25 with it, and with
            cut-mixed queries only (``--wrapper-only``: the first two, to
            check with many rounds that the wrapper costs nothing)
  dcluster: DeepCluster-v2 / HEXA-DCluster (both kinds on the 2 high-res crops),
            with and without reuse_clean_grad
"""
import argparse
import copy
import json
import os
import os.path as osp
import pickle
import statistics
import subprocess
import sys
import time

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.optim import OptimWrapper  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.structures import InstanceData  # noqa: E402

import hexa_mm  # noqa: E402,F401
from hexa_mm.utils.errors import run_cli  # noqa: E402
from mmselfsup.registry import MODELS  # noqa: E402
from mmselfsup.structures import SelfSupDataSample  # noqa: E402
from torch.utils._python_dispatch import TorchDispatchMode  # noqa: E402
from torch.utils.flop_counter import flop_registry  # noqa: E402

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
STOCK_MOCO = 'mmselfsup::selfsup/mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py'
DIGITS_BACKBONE = '_base_/models/digits_resnet18.py'


def config_path(config):
    """A config of this repository, or of MMSelfSup as ``mmselfsup::path``."""
    if config.startswith('mmselfsup::'):
        from mmengine.utils import get_installed_path
        return osp.join(get_installed_path('mmselfsup'), '.mim', 'configs',
                        config.split('::', 1)[1])
    return osp.join(ROOT, 'configs', config)


def model_cfg(config, backbone, **overrides):
    """The config's model, with the digits' ResNet-18 or the full ResNet-50."""
    cfg = copy.deepcopy(Config.fromfile(config_path(config)).model.to_dict())
    if backbone == 'digits':
        digits = Config.fromfile(config_path(DIGITS_BACKBONE))
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


def methods(family, backbone, batch):
    """(name, model config, crops) of the family; the first is the baseline."""
    if family == 'moco':
        queue = dict(queue_len=batch * 128)
        hexa = 'hexa_moco_r50_200e.py'
        return [
            ('MoCo-v2 (MMSelfSup stock)',
             model_cfg(STOCK_MOCO, backbone, **queue), 2),
            ('MoCo-v2 (HEXAMoCo, hard terms off)',
             model_cfg(hexa, backbone, adversarial=None, cutmix=None,
                       **queue), 2),
        ] + [(f'HEXA-MoCo hard_fraction={f}' +
              (' reuse_clean_grad' if reuse else ''),
              model_cfg(hexa, backbone, hard_fraction=f,
                        reuse_clean_grad=reuse, **queue), 2)
             for f, reuse in ((1.0, False), (1.0, True), (0.5, False),
                              (0.5, True), (0.25, True))] + [
            ('HEXA-MoCo CutMix only (w_adv=0)',
             model_cfg(hexa, backbone, w_adv=0., **queue), 2)]
    num = dict(num_samples=max(4096, batch), head=dict(
        type='MultiPrototypeHead', num_heads=3, num_prototypes=300,
        feat_dim=128, temperature=0.1))
    return [
        ('DeepCluster-v2', model_cfg('deepclusterv2_r50_200e.py', backbone,
                                     **num), 2),
    ] + [('HEXA-DCluster' + (' reuse_clean_grad' if reuse else ''),
          model_cfg('hexa_dcluster_r50_200e.py', backbone,
                    reuse_clean_grad=reuse, **num), 2)
         for reuse in (False, True)]


def make_batch(batch, size, crops, device):
    g = torch.Generator().manual_seed(0)
    samples = []
    for i in range(batch):
        s = SelfSupDataSample()
        s.sample_idx = InstanceData(value=torch.tensor([i]))
        samples.append(s)
    return dict(
        inputs=[torch.randint(0, 256, (batch, 3, size, size), generator=g,
                              dtype=torch.uint8).to(device)
                for _ in range(crops)],
        data_samples=samples)


class FlopCount(TorchDispatchMode):
    """Counts the FLOPs of every op torch has a formula for (``flop_registry``:
    matmuls, convolutions and their backward).

    Not ``torch.utils.flop_counter.FlopCounterMode``: its module tracker breaks
    ``torch.autograd.grad`` on a leaf input, which the attack calls
    (pytorch/pytorch#131753, torch >= 2.4); the total needs no module tracking.
    """

    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.total += formula(*args, **kwargs, out_val=out)
        return out


class Step:
    """One model and its optimizer: ``step()`` is a full training step."""

    def __init__(self, cfg, batch, size, crops, device):
        torch.manual_seed(0)
        self.model = MODELS.build(cfg).to(device).train()
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


def _peak_rss_child():
    """In the fresh process: the peak RSS (MiB) that the model adds."""
    cfg, batch, size, crops = pickle.loads(sys.stdin.buffer.read())
    init_default_scope('mmselfsup')
    # Linux: reset the peak RSS after the imports, so that the figure is what
    # the model, its data and two training steps add.
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
    base = _rss_kib('VmRSS')
    runner = Step(cfg, batch, size, crops, 'cpu')
    for _ in range(2):
        runner.step()
    print((_rss_kib('VmHWM') - base) / 1024)


def cpu_peak_mib(cfg, batch, size, crops):
    # A fresh interpreter that loads this file by its path, so that it works
    # however this tool was imported (multiprocessing's spawn cannot re-import
    # a module loaded from a path under a made-up name, as the tests do).
    code = ('import importlib.util; '
            'spec = importlib.util.spec_from_file_location('
            f'"hexa_speed_peak", {osp.abspath(__file__)!r}); '
            'module = importlib.util.module_from_spec(spec); '
            'spec.loader.exec_module(module); module._peak_rss_child()')
    proc = subprocess.run([sys.executable, '-c', code],
                          input=pickle.dumps((cfg, batch, size, crops)),
                          capture_output=True)
    if proc.returncode:
        raise RuntimeError('speed.py: the peak-memory process failed:\n' +
                           proc.stderr.decode(errors='replace'))
    return float(proc.stdout.decode().split()[-1])


def run(args):
    init_default_scope('mmselfsup')
    device = args.device
    rows = []
    for family in args.family:
        entries = methods(family, args.backbone, args.batch)
        if args.wrapper_only:
            entries = entries[:2]
        steps = [Step(cfg, args.batch, args.size, crops, device)
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
    parser.add_argument('--out', default=osp.join(ROOT, 'results', 'speed'))
    parser.add_argument('--wrapper-only', action='store_true',
                        help="MMSelfSup's stock MoCo against our HEXAMoCo with "
                        'the hard terms off, nothing else')
    args = parser.parse_args(argv)
    if args.wrapper_only and args.family != ['moco']:
        parser.error('--wrapper-only times the MoCo family: use --family moco')
    rows = run(args)
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
    table = '\n'.join(lines)
    print('\n' + table)
    os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
    with open(args.out + '.md', 'w') as f:
        f.write(table + '\n')
    with open(args.out + '.json', 'w') as f:
        json.dump(dict(settings=vars(args), rows=rows), f, indent=2)
    return rows


if __name__ == '__main__':
    run_cli(main)
