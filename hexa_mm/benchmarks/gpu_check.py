"""The one prepared throughput check for a lent GPU
(``tools/benchmarks/gpu_check.py``; docs/gpu_check.md).

Per pre-training family (MoCo-v2, HEXA-MoCo, DeepCluster-v2, HEXA-DCluster),
with and without AMP, with the views augmented on the device and on the CPU
(``--cpu-augment``), the family's ImageNet config trains through MMEngine's
Runner, configured as ``tools/train.py`` configures it, for one epoch of
exactly ``steps`` batches over generated natural JPEGs. A hook takes the
wall clock after every (CUDA-synchronised) iteration: images/s = batch / mean
step time after the warm-up, the loader's waits included. Peak memory: CUDA's
``max_memory_allocated``, on CPU the peak RSS (``VmHWM``), reset per run;
HEXA / baseline ratios per (AMP, augment) setting. The report is rewritten
after each run.
"""
import gc
import os
import os.path as osp
import platform
import resource
import sys
import tempfile
import time
import traceback
from collections import OrderedDict
from typing import List, NamedTuple, Optional

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from ..utils import (UserError, amp_config, cpu_augment_config, load_cfg,
                     validate_config)
from .pipeline import write_natural_jpegs
from .report_io import write_json, write_text


class Family(NamedTuple):
    name: str
    config: str
    baseline: Optional[str]  # the key of the family a HEXA one is held to


#: CLI key -> family; HEXA families name their baseline.
FAMILIES = OrderedDict([
    ('mocov2', Family('MoCo-v2', 'mocov2_r50_200e.py', None)),
    ('hexa_moco', Family('HEXA-MoCo', 'hexa_moco_r50_200e.py', 'mocov2')),
    ('deepclusterv2',
     Family('DeepCluster-v2', 'deepclusterv2_r50_200e.py', None)),
    ('hexa_dcluster',
     Family('HEXA-DCluster', 'hexa_dcluster_r50_200e.py', 'deepclusterv2')),
])
AMP_CHOICES = OrderedDict(off=[False], on=[True], both=[False, True])
AUGMENT_CHOICES = OrderedDict(
    device=['device'], cpu=['cpu'], both=['device', 'cpu'])
#: The configs' crop side, which ``size`` replaces (other crops scale with it).
CONFIG_SIDE = 224
WNID = 'n00000000'


def write_image_folder(root: str, count: int) -> str:
    """MMPretrain's ImageNet layout under ``root`` (``train/<wnid>/*.jpg``,
    ``meta/train.txt``) with ``count`` natural 500x375 JPEGs, one class."""
    paths = write_natural_jpegs(osp.join(root, 'train', WNID), count)
    os.makedirs(osp.join(root, 'meta'), exist_ok=True)
    with open(osp.join(root, 'meta', 'train.txt'), 'w') as f:
        f.writelines(f'{WNID}/{osp.basename(p)} 0\n' for p in paths)
    return root


def amp_unavailable() -> Optional[str]:
    """Why MMEngine's ``AmpOptimWrapper`` cannot be built here, or None.

    mmengine 0.11.0rc3 asserts an accelerator (CUDA, NPU, MLU or MUSA) even
    though torch's autocast also runs on CPU: the AMP rows are then reported
    as skipped with this reason rather than left out."""
    from mmengine.optim import AmpOptimWrapper
    weight = torch.nn.Parameter(torch.zeros(1))
    try:
        AmpOptimWrapper(optimizer=torch.optim.SGD([weight], lr=0.1))
    except AssertionError as error:
        return f"MMEngine's AmpOptimWrapper refuses this machine: {error}"
    return None


def _resize_crops(cfg: Config, size: int) -> None:
    dataset = cfg.train_dataloader.dataset
    for step in dataset.pipeline:
        for group in step.get('transforms', []):
            for transform in group:
                if str(transform.type).endswith('RandomResizedCrop'):
                    transform.size = max(
                        1, round(transform.size * size / CONFIG_SIDE))


def run_cfg(config: str, data_root: str, work_dir: str, *, batch: int,
            steps: int, size: int, workers: int, depth: int, amp: bool,
            cpu_augment: bool, name: str, log_level: str = 'WARNING'
            ) -> Config:
    """``config`` as ``tools/train.py [--amp] [--cpu-augment]`` builds it,
    for one epoch of ``steps`` batches of ``batch`` over ``data_root``.

    Beyond the command line's changes: plain BN where the config syncs it
    (one process; as the ``*_1xb256_200e.py`` configs do), a ResNet of
    ``depth``, crops of ``size`` pixels instead of 224, the MoCo queue a
    multiple of the batch, the DeepCluster memory bank sized to the data set
    and its prototypes fewer than its samples, no checkpoint.
    """
    count = batch * steps
    options = {
        'train_dataloader.dataset.data_root': data_root,
        'train_dataloader.dataset.ann_file': 'meta/train.txt',
        'train_dataloader.dataset.data_prefix': dict(img_path='train/'),
        'train_dataloader.batch_size': batch,
        'train_dataloader.num_workers': workers,
        'train_dataloader.persistent_workers': workers > 0,
        'train_cfg.max_epochs': 1,
        # Writing ResNet-50 and its optimizer state is not what is timed.
        'default_hooks.checkpoint.save_last': False,
        'randomness': dict(seed=0),
        'log_level': log_level,
        # Runners of one process with one name share logger and visualizer.
        'experiment_name': name,
        'visualizer.name': name,
    }
    cfg = load_cfg(config, 'none', options, work_dir)
    # tools/train.py's --amp and --cpu-augment.
    if amp:
        amp_config(cfg)
    if cpu_augment:
        cpu_augment_config(cfg)
    model = cfg.model
    if model.backbone.get('norm_cfg', {}).get('type') == 'SyncBN':
        model.backbone.norm_cfg = dict(type='BN')
    if model.neck.get('norm_cfg', {}).get('type') == 'SyncBN':
        model.neck.norm_cfg = dict(type='BN1d')
    model.backbone.depth = depth
    model.neck.in_channels = 512 if depth < 50 else 2048  # basic blocks
    if 'queue_len' in model:  # MoCo enqueues whole batches
        model.queue_len = max(batch, model.queue_len // batch * batch)
    if 'num_samples' in model:  # DeepCluster-v2's bank and k-means
        model.num_samples = count
        model.head.num_prototypes = min(model.head.num_prototypes,
                                        max(1, count // 2))
    _resize_crops(cfg, size)
    validate_config(cfg)
    return cfg


class StepTimer(Hook):
    """The wall clock at the end of every training iteration, after the
    last hook (CUDA synchronised first)."""

    priority = 'LOWEST'

    def __init__(self, cuda: bool) -> None:
        self.cuda = cuda
        self.ends: List[float] = []

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if self.cuda:
            torch.cuda.synchronize()
        self.ends.append(time.perf_counter())


def _reset_peak_memory(cuda: bool) -> str:
    """Start a run's peak; returns what the peak will measure."""
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        return 'torch.cuda.max_memory_allocated'
    try:  # Linux: '5' resets the peak RSS (VmHWM) to the current RSS
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return 'peak RSS of the process during the run (VmHWM)'
    except OSError:
        return 'peak RSS of the process since it started (no reset here)'


def _peak_memory_mib(cuda: bool) -> float:
    if cuda:
        return torch.cuda.max_memory_allocated() / 2**20
    try:
        with open('/proc/self/status') as f:
            return next(int(line.split()[1]) for line in f
                        if line.startswith('VmHWM:')) / 1024
    except (OSError, StopIteration):  # not Linux: the peak since the start
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train_once(cfg: Config, batch: int, warmup: int, cuda: bool) -> dict:
    """Train ``cfg`` (one epoch) and measure its steps after ``warmup``."""
    measure = _reset_peak_memory(cuda)
    before = torch.cuda.memory_allocated() / 2**20 if cuda else None
    runner = Runner.from_cfg(cfg)
    try:
        timer = StepTimer(cuda)
        runner.register_hook(timer, 'LOWEST')
        runner.train()
        ends = timer.ends
        if len(ends) <= warmup:
            raise RuntimeError(f'{len(ends)} iterations ran, need more than '
                               f'the {warmup} warm-up ones')
        sec = (ends[-1] - ends[warmup - 1]) / (len(ends) - warmup)
        out = dict(timed_steps=len(ends) - warmup, sec_per_step=sec,
                   images_per_s=batch / sec, peak_mib=_peak_memory_mib(cuda),
                   memory_measure=measure,
                   loss=runner.message_hub.get_scalar('train/loss').current())
        if cuda:  # what an earlier run left allocated would count as well
            out.update(peak_reserved_mib=torch.cuda.max_memory_reserved() /
                       2**20, allocated_before_mib=before)
        return out
    finally:
        del runner  # the next run's peak starts without this one's tensors
        gc.collect()
        if cuda:
            torch.cuda.empty_cache()


def ratio_rows(rows: List[dict]) -> List[dict]:
    """HEXA / baseline images/s and peak memory, per (AMP, augment)
    setting, for every HEXA row whose baseline was run in the same setting."""
    by_setting = {(r['key'], r['amp'], r['augment']): r for r in rows}
    out = []
    for row in rows:
        base_key = FAMILIES[row['key']].baseline
        base = by_setting.get((base_key, row['amp'], row['augment']))
        if base is None:  # a baseline, or a HEXA family without its own
            continue
        ratio = dict(pair=f"{row['family']} / {base['family']}",
                     hexa=row['key'], baseline=base_key, amp=row['amp'],
                     augment=row['augment'])
        if row['status'] == base['status'] == 'ok':
            ratio.update(
                status='ok',
                images_per_s=row['images_per_s'] / base['images_per_s'],
                peak_mib=row['peak_mib'] / base['peak_mib'])
        else:
            ratio.update(status='skipped',
                         reason=row['reason'] or base['reason'])
        out.append(ratio)
    return out


def environment(cuda: bool) -> dict:
    import mmcv
    import mmengine
    import mmselfsup
    import numpy
    env = OrderedDict(
        device=torch.cuda.get_device_name() if cuda else 'cpu',
        python=platform.python_version(), torch=torch.__version__,
        cuda=torch.version.cuda, numpy=numpy.__version__,
        mmengine=mmengine.__version__, mmcv=mmcv.__version__,
        mmselfsup=mmselfsup.__version__, cpu_count=os.cpu_count(),
        torch_threads=torch.get_num_threads())
    if cuda:
        env['cudnn'] = torch.backends.cudnn.version()
        env['gpu_mib'] = torch.cuda.get_device_properties(
            0).total_memory / 2**20
    return env


def _cell(value, fmt):
    return '' if value is None else format(value, fmt)


def _status(row: dict, notes: List[str]) -> str:
    """The status cell; a reason becomes a numbered note below the tables,
    each reason once (every AMP row of a machine without CUDA shares one)."""
    if not row.get('reason'):
        return row['status']
    if row['reason'] not in notes:
        notes.append(row['reason'])
    return f"{row['status']} ({notes.index(row['reason']) + 1})"


def markdown(report: dict) -> str:
    """The printed and saved tables, under a line of the settings."""
    env, s = report['environment'], report['settings']
    lines = [
        f"GPU check on {env['device']} (torch {env['torch']}, CUDA "
        f"{env['cuda']}, {env['cpu_count']} CPUs, loader workers "
        f"{s['workers']}): ResNet-{s['depth']}, {s['size']} px, batch "
        f"{s['batch']}, {s['steps']} steps ({s['warmup']} warm-up). Memory: "
        f"{report['memory_measure']}.", '',
        '| family | AMP | augment | images / s | s / step | peak MiB | '
        'loss | status |', '|---|---|---|---|---|---|---|---|'
    ]
    notes: List[str] = []
    for r in report['rows']:
        lines.append(
            f"| {r['family']} | {'on' if r['amp'] else 'off'} | "
            f"{r['augment']} | {_cell(r.get('images_per_s'), '.1f')} | "
            f"{_cell(r.get('sec_per_step'), '.4f')} | "
            f"{_cell(r.get('peak_mib'), '.0f')} | "
            f"{_cell(r.get('loss'), '.4f')} | {_status(r, notes)} |")
    if report['ratios']:
        lines += ['', '| HEXA / baseline | AMP | augment | x images / s | '
                  'x peak memory | status |', '|---|---|---|---|---|---|']
        for r in report['ratios']:
            lines.append(
                f"| {r['pair']} | {'on' if r['amp'] else 'off'} | "
                f"{r['augment']} | {_cell(r.get('images_per_s'), '.3f')} | "
                f"{_cell(r.get('peak_mib'), '.3f')} | {_status(r, notes)} |")
    if notes:
        lines.append('')
        lines += [f'({i}) {note}' for i, note in enumerate(notes, 1)]
    return '\n'.join(lines)


def _write(report: dict, out: str) -> str:
    report['ratios'] = ratio_rows(report['rows'])
    text = markdown(report)
    write_text(out + '.md', text + '\n')
    write_json(out + '.json', report, newline=True)
    return text


def _run(args, key: str, amp: bool, augment: str, label: str, paths: dict,
         no_amp: Optional[str]) -> OrderedDict:
    """One row: the run of ``key`` in one (AMP, augment) setting."""
    row = OrderedDict(family=FAMILIES[key].name, key=key,
                      config=FAMILIES[key].config, amp=amp, augment=augment,
                      status='ok', reason=None)
    if amp and no_amp:
        row.update(status='skipped', reason=no_amp)
        print(f'{label}: skipped ({no_amp})', flush=True)
        return row
    start, cuda = time.perf_counter(), torch.cuda.is_available()
    try:
        cfg = run_cfg(
            osp.join(args.configs, FAMILIES[key].config), paths['data'],
            paths['work'], batch=args.batch, steps=args.steps,
            size=args.size, workers=args.workers, depth=args.depth, amp=amp,
            cpu_augment=augment == 'cpu', log_level=args.log_level,
            name=paths['name'])
        row.update(train_once(cfg, args.batch, args.warmup, cuda))
    except Exception as error:  # noqa: BLE001  a row, not a stop
        # One run that fails (out of memory, say) must not cost the others
        # on a machine lent for minutes.
        first = (str(error).strip().splitlines() or [''])[0]
        row.update(status='failed', reason=f'{type(error).__name__}: {first}')
        print(f'{label}: FAILED', file=sys.stderr, flush=True)
        traceback.print_exc()
    if row['status'] == 'failed':
        # Only now is the traceback, which holds the model, gone.
        gc.collect()
        if cuda:
            torch.cuda.empty_cache()
    else:
        print(f"{label}: {row['images_per_s']:.1f} images/s, peak "
              f"{row['peak_mib']:.0f} MiB "
              f'({time.perf_counter() - start:.0f} s)', flush=True)
    return row


def gpu_check_report(args) -> dict:
    """What the tool runs: every (family, AMP, augment) row of ``args``,
    the tables printed and written to ``args.out + '.md'``, everything to
    ``args.out + '.json'`` (rewritten after each run). Returns the report.
    """
    for key in args.families:
        if not osp.isfile(osp.join(args.configs, FAMILIES[key].config)):
            raise UserError(f'--configs {args.configs}: no '
                            f'{FAMILIES[key].config} there ({key})')
    cuda = torch.cuda.is_available()
    args.warmup = max(1, min(args.warmup, args.steps - 1))
    settings = OrderedDict(
        (k, getattr(args, k)) for k in ('steps', 'warmup', 'batch', 'size',
                                        'depth', 'workers', 'families', 'amp',
                                        'augment', 'configs'))
    report = OrderedDict(settings=settings, environment=environment(cuda),
                         memory_measure='', rows=[], ratios=[])
    no_amp = amp_unavailable()
    runs = [(key, amp, augment) for amp in AMP_CHOICES[args.amp]
            for augment in AUGMENT_CHOICES[args.augment]
            for key in args.families]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix='gpu_check_') as tmp:
        count = args.batch * args.steps
        print(f'gpu_check: writing {count} JPEGs', flush=True)
        data = write_image_folder(osp.join(tmp, 'data'), count) + '/'
        for number, (key, amp, augment) in enumerate(runs, 1):
            label = (f'[{number}/{len(runs)}] {FAMILIES[key].name} AMP '
                     f"{'on' if amp else 'off'}, {augment} augment")
            # The temporary folder's name makes the run's name unique in
            # this process: MMEngine hands a Runner the logger and visualizer
            # of an earlier one of the same name, writing to its work dir.
            paths = dict(data=data, work=osp.join(tmp, f'work_{number}'),
                         name=f'{osp.basename(tmp)}_{number}_{key}')
            row = _run(args, key, amp, augment, label, paths, no_amp)
            if 'memory_measure' in row:
                report['memory_measure'] = row.pop('memory_measure')
            report['rows'].append(row)
            _write(report, args.out)
    settings['total_s'] = round(time.perf_counter() - start, 1)
    print('\n' + _write(report, args.out), flush=True)
    return report
