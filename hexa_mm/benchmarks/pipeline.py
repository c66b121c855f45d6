"""CPU cost per image of a config's training data pipeline, and the device
cost per batch of the augmentations its data preprocessor runs.

Everything runs in one process on one thread (torch, OpenCV), so the figures
are per core: ``images/s per core = images / CPU seconds``. CPU time
(``time.process_time``) is what is counted, so other jobs on a shared host slow
the wall clock, not the figure.
"""
import copy
import glob
import os
import os.path as osp
import tempfile
import time
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.registry import DefaultScope
from PIL import Image
from sklearn.datasets import load_sample_images

from mmselfsup.registry import MODELS, TRANSFORMS
from ..utils.device_augment import cpu_augment_config, uses_device_augment
from .report_io import write_json, write_text

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')


def write_natural_jpegs(folder: str,
                        count: int = 64,
                        size=(500, 375),
                        quality: int = 90,
                        seed: int = 0) -> List[str]:
    """``count`` natural JPEGs of ImageNet's typical size (``size`` = width,
    height): random crops, some mirrored, of scikit-learn's two bundled sample
    photos (no download)."""
    photos = load_sample_images().images
    rng = np.random.default_rng(seed)
    width, height = size
    os.makedirs(folder, exist_ok=True)
    paths = []
    for i in range(count):
        photo = photos[i % len(photos)]
        if photo.shape[0] < height or photo.shape[1] < width:
            raise ValueError(f'write_natural_jpegs: size {size} is larger '
                             f'than the sample photos ({photo.shape[1]}x'
                             f'{photo.shape[0]})')
        top = int(rng.integers(0, photo.shape[0] - height + 1))
        left = int(rng.integers(0, photo.shape[1] - width + 1))
        crop = photo[top:top + height, left:left + width]
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        path = osp.join(folder, f'natural_{i:04d}.jpg')
        Image.fromarray(np.ascontiguousarray(crop)).save(path, quality=quality)
        paths.append(path)
    return paths


def find_images(folder: str) -> List[str]:
    """Every image file under ``folder`` (recursively), sorted."""
    paths = sorted(
        p for p in glob.glob(osp.join(folder, '**', '*'), recursive=True)
        if p.lower().endswith(IMAGE_SUFFIXES))
    if not paths:
        raise FileNotFoundError(
            f'no image ({", ".join(IMAGE_SUFFIXES)}) under {folder}')
    return paths


def single_thread() -> None:
    """One core: torch and OpenCV on one thread each."""
    torch.set_num_threads(1)
    cv2.setNumThreads(1)


def train_pipeline(cfg: Config) -> List[dict]:
    dataset = cfg.train_dataloader.dataset
    while 'pipeline' not in dataset and 'dataset' in dataset:
        dataset = dataset.dataset
    return copy.deepcopy(list(dataset.pipeline))


def _label(transform) -> str:
    name = type(transform).__name__
    inner = getattr(transform, 'transforms', None)
    if name == 'RandomApply' and inner is not None:
        names = [type(t).__name__ for t in getattr(inner, 'transforms', inner)]
        return f'RandomApply({", ".join(names)})'
    return name


class TimedPipeline:
    """A built pipeline whose every transform (those inside ``MultiView``
    too) adds its CPU time to ``self.seconds[label]``."""

    def __init__(self, pipeline_cfg: List[dict]) -> None:
        with DefaultScope.overwrite_default_scope('mmselfsup'):
            self.pipeline = Compose(pipeline_cfg)
        self.seconds: Dict[str, float] = OrderedDict()
        for step in self.pipeline.transforms:
            self._time(step, _label(step))
            groups = getattr(step, 'pipelines', [])  # MultiView
            for number, view in enumerate(groups, 1):
                suffix = f' [view group {number}]' if len(groups) > 1 else ''
                for inner in view.transforms:
                    self._time(inner, '  ' + _label(inner) + suffix)

    def _time(self, transform, label: str) -> None:
        self.seconds.setdefault(label, 0.0)
        original = transform.transform

        def timed(results, _original=original, _label=label):
            start = time.process_time()
            try:
                return _original(results)
            finally:
                self.seconds[_label] += time.process_time() - start

        transform.transform = timed

    def __call__(self, path: str, index: int) -> dict:
        return self.pipeline(dict(img_path=path, sample_idx=index))


def measure_cpu(pipeline_cfg: List[dict], paths: Sequence[str],
                rounds: int) -> dict:
    """Run the pipeline over ``paths`` ``rounds`` times (after one warm-up
    image); images/s per core overall and each transform's share."""
    timed = TimedPipeline(pipeline_cfg)
    timed(paths[0], 0)
    for key in timed.seconds:
        timed.seconds[key] = 0.0
    images = 0
    start = time.process_time()
    wall = time.perf_counter()
    for _ in range(rounds):
        for index, path in enumerate(paths):
            timed(path, index)
            images += 1
    cpu_s = time.process_time() - start
    wall_s = time.perf_counter() - wall
    return dict(
        images=images,
        cpu_s=cpu_s,
        wall_s=wall_s,
        images_per_s=images / cpu_s,
        transforms={
            k: dict(ms_per_image=1e3 * v / images, share=v / cpu_s)
            for k, v in timed.seconds.items()
        })


def measure_device(cfg: Config, sample: dict, batch_size: int, device: str,
                   iters: int, warmup: int) -> dict:
    """Time of the model's data preprocessor (augment + normalise) on one
    batch of ``batch_size`` copies of ``sample``'s views, on ``device``."""
    with DefaultScope.overwrite_default_scope('mmselfsup'):
        preprocessor = MODELS.build(cfg.model.data_preprocessor).to(device)
    batch = default_collate([copy.deepcopy(sample) for _ in range(batch_size)])

    def sync():
        if device.startswith('cuda'):
            torch.cuda.synchronize(device)

    for _ in range(warmup):
        preprocessor(batch, True)
    sync()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(iters):
        preprocessor(batch, True)
    sync()
    wall_s = (time.perf_counter() - start) / iters
    return dict(
        device=device,
        batch_size=batch_size,
        views=[list(v.shape[-2:]) for v in batch['inputs']],
        ms_per_batch=1e3 * wall_s,
        host_cpu_ms_per_batch=1e3 * (time.process_time() - cpu) / iters,
        images_per_s=batch_size / wall_s)


def measure_decoders(paths: Sequence[str], backends: Sequence[str],
                     rounds: int) -> Dict[str, dict]:
    """Images/s per core of MMCV's ``LoadImageFromFile`` with each decoder;
    a decoder that cannot run here is reported with its error."""
    results = {}
    for backend in backends:
        pipeline_cfg = [dict(type='LoadImageFromFile', imdecode_backend=backend)]
        try:
            with DefaultScope.overwrite_default_scope('mmselfsup'):
                TRANSFORMS.build(pipeline_cfg[0])(dict(img_path=paths[0]))
        except Exception as error:  # noqa: BLE001  report any failure to run
            results[backend] = dict(error=f'{type(error).__name__}: {error}')
            continue
        results[backend] = measure_cpu(pipeline_cfg, paths, rounds)
    return results


def benchmark_config(config: str,
                     paths: Sequence[str],
                     rounds: int = 2,
                     device: Optional[str] = 'cpu',
                     device_iters: int = 5,
                     cfg_options: Optional[dict] = None,
                     device_batch: Optional[int] = None) -> dict:
    """The config's training pipeline as it is and, when it augments on the
    device, its CPU fallback (``--cpu-augment``) too, measured in one run;
    plus the device cost per batch of its data preprocessor (batch:
    ``device_batch``, else the config's per-GPU batch size)."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    out = dict(config=config, images=len(paths))
    variants = [('as configured', cfg)]
    if uses_device_augment(cfg):
        variants = [('cpu-augment', cpu_augment_config(copy.deepcopy(cfg))),
                    ('device-augment', cfg)]
    out['pipelines'] = OrderedDict(
        (name, measure_cpu(train_pipeline(c), paths, rounds))
        for name, c in variants)
    if device and uses_device_augment(cfg):
        sample = TimedPipeline(train_pipeline(cfg))(paths[0], 0)
        out['device'] = measure_device(
            cfg, sample, device_batch or cfg.train_dataloader.batch_size,
            device, device_iters, warmup=2)
    return out


#: What one GPU trains on, images/s: an assumed range for ResNet-50
#: self-supervised pre-training (not measured by hexa_mm), for the
#: cores-per-GPU row.
GPU_IMAGES_PER_S = (2000, 3500)


def format_markdown(results: List[dict], decoders: Dict[str, dict]) -> str:
    lines = []
    if decoders:
        lines += ['| decoder | images/s per core | ms per image |',
                  '|---|---|---|']
        for name, r in decoders.items():
            if 'error' in r:
                lines.append(f'| {name} | cannot run: {r["error"]} | |')
            else:
                lines.append(f'| {name} | {r["images_per_s"]:.0f} | '
                             f'{1e3 / r["images_per_s"]:.2f} |')
        lines.append('')
    for r in results:
        lines.append(f'### {osp.basename(r["config"])} ({r["images"]} images)')
        lines.append('')
        names = list(r['pipelines'])
        lines.append('| | ' + ' | '.join(names) + ' |')
        lines.append('|---' * (len(names) + 1) + '|')
        lines.append('| **images/s per core** | ' + ' | '.join(
            f'**{r["pipelines"][n]["images_per_s"]:.0f}**' for n in names) +
                     ' |')
        labels: List[str] = []
        for n in names:  # merged, each new row after its predecessor
            after = -1
            for k in r['pipelines'][n]['transforms']:
                if k not in labels:
                    labels.insert(after + 1, k)
                after = labels.index(k)
        for label in labels:
            cells = []
            for n in names:
                t = r['pipelines'][n]['transforms'].get(label)
                cells.append('' if t is None else
                             f'{t["ms_per_image"]:.2f} ms ({100 * t["share"]:.0f}%)')
            lines.append(f'| {label.replace("  ", "- ")} | ' +
                         ' | '.join(cells) + ' |')
        rates = ' / '.join(f'{g:,}' for g in GPU_IMAGES_PER_S)
        lines.append(f'| cores to feed one GPU at {rates} images/s | ' +
                     ' | '.join(' / '.join(
                         f'{g / r["pipelines"][n]["images_per_s"]:.1f}'
                         for g in GPU_IMAGES_PER_S) for n in names) + ' |')
        if 'device' in r:
            d = r['device']
            lines.append('')
            lines.append(
                f'Data preprocessor (augment + normalise) on {d["device"]}, '
                f'batch {d["batch_size"]} (views {d["views"]}): '
                f'{d["ms_per_batch"]:.1f} ms per batch, '
                f'{d["images_per_s"]:.0f} images/s.')
        lines.append('')
    return '\n'.join(lines)


def pipeline_report(args) -> tuple:
    """What ``tools/benchmarks/pipeline.py`` runs: every config of
    ``args.configs`` over ``args.images`` (or ``args.count`` generated
    JPEGs), the table printed and written to ``args.out``/pipeline.md, the
    figures to pipeline.json. Returns (results, decoders)."""
    single_thread()
    with tempfile.TemporaryDirectory() as tmp:
        paths = (find_images(args.images) if args.images else
                 write_natural_jpegs(tmp, args.count))
        decoders = measure_decoders(paths, args.decoders, args.rounds)
        device = None if args.device == 'none' else args.device
        results = [
            benchmark_config(c, paths, args.rounds, device, args.device_iters,
                             device_batch=args.device_batch)
            for c in args.configs
        ]
    text = format_markdown(results, decoders)
    print(text)
    write_text(osp.join(args.out, 'pipeline.md'), text)
    write_json(osp.join(args.out, 'pipeline.json'),
               dict(decoders=decoders, configs=results), indent=1)
    return results, decoders
