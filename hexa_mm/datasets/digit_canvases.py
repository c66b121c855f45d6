"""Digit scans pasted on canvases: a small detection set in Pascal VOC's format.

The detection-transfer benchmark of the paper (Faster R-CNN on VOC07+12) needs a
data set with boxes; the embedded digits have none. :func:`export_digit_canvases`
builds one from scikit-learn's scans, with no download::

    <root>/VOC2007/JPEGImages/<id>.jpg          64x64 grayscale canvases
    <root>/VOC2007/Annotations/<id>.xml         VOC XML, classes '0'..'9'
    <root>/VOC2007/ImageSets/Main/trainval.txt  ids built from the TRAIN digits
    <root>/VOC2007/ImageSets/Main/test.txt      ids built from the VAL digits

(:func:`~hexa_mm.datasets.digits.split_digits` gives the split, so the detector is
tested on scans it never trained on.) Every canvas holds 1 to ``max_digits``
scans, each upscaled (bilinear) to a random size in ``digit_size`` and drawn over
the background at a random place where its square overlaps no other digit's.
Each scan of a split is pasted exactly ``passes`` times, in a fresh random order
per pass. Boxes are tight to the pasted *ink*: the pixels of the upscaled scan
at or above ``ink_threshold``, which lies above the background noise, so every
pixel brighter than the background belongs to some box. Coordinates follow VOC
(1-based, ``xmax``/``ymax`` the last inked pixel), as MMDetection's
``VOCDataset`` and ``VOCMetric`` (legacy ``+ 1`` widths) expect.
"""
import json
import os
import shutil
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmdet.datasets import VOCDataset
from mmdet.registry import DATASETS as MMDET_DATASETS
from PIL import Image

from .. import compat
from .digits import DIGITS_CLASSES, split_digits

#: Written last: a folder without it is an interrupted export. Holds the
#: export's parameters (JSON), so a changed recipe never reuses stale canvases.
_COMPLETE = '.export_complete'
_SPLITS = ('trainval', 'test')

#: The export's defaults (the arguments of :func:`export_digit_canvases`).
CANVAS_DEFAULTS = dict(
    seed=0,
    canvas_size=64,
    digit_size=(16, 28),
    max_digits=3,
    background='noise',
    noise_max=48,
    ink_threshold=64,
    trainval_passes=2,
    test_passes=1,
    jpeg_quality=95,
    val_size=500,
    split_seed=0)


def _check_params(p: dict) -> None:
    lo, hi = p['digit_size']
    if not 1 <= lo <= hi <= p['canvas_size']:
        raise ValueError(
            f"digit_size={tuple(p['digit_size'])} must satisfy 1 <= min <= "
            f"max <= canvas_size={p['canvas_size']}")
    if p['max_digits'] < 1:
        raise ValueError(f"max_digits={p['max_digits']} must be >= 1")
    if p['background'] not in ('noise', 'black'):
        raise ValueError(f"background={p['background']!r}, allowed: "
                         "'noise', 'black'")
    floor = p['noise_max'] if p['background'] == 'noise' else 0
    if not floor < p['ink_threshold'] <= 255:
        raise ValueError(
            f"ink_threshold={p['ink_threshold']} must lie in "
            f'({floor}, 255]: above the brightest background pixel, so that '
            'boxes hold every pixel brighter than the background')
    for key in ('trainval_passes', 'test_passes'):
        if p[key] < 1:
            raise ValueError(f'{key}={p[key]} must be >= 1')
    if not 1 <= p['jpeg_quality'] <= 100:
        raise ValueError(f"jpeg_quality={p['jpeg_quality']} must be in 1..100")


def render_split(scans: np.ndarray,
                 labels: np.ndarray,
                 passes: int,
                 rng: np.random.Generator,
                 canvas_size: int = CANVAS_DEFAULTS['canvas_size'],
                 digit_size: Tuple[int, int] = CANVAS_DEFAULTS['digit_size'],
                 max_digits: int = CANVAS_DEFAULTS['max_digits'],
                 background: str = CANVAS_DEFAULTS['background'],
                 noise_max: int = CANVAS_DEFAULTS['noise_max'],
                 ink_threshold: int = CANVAS_DEFAULTS['ink_threshold'],
                 max_tries: int = 50) -> List[Tuple[np.ndarray, list]]:
    """Draw the canvases of one split.

    Args:
        scans: uint8 (N, h, w) digit scans (0 = paper).
        labels: (N,) class indices.
        passes: How many times each scan is pasted.
        rng: The split's random generator.
        max_tries: Random places tried for a scan before the canvas counts
            as full.
        Others: see :func:`export_digit_canvases`.

    Returns:
        list: ``(canvas uint8 (S, S), [(label, x0, y0, x1, y1), ...])`` per
        canvas; boxes in 0-based pixel indices, ``x1``/``y1`` inclusive.
    """
    queue = [int(i) for _ in range(passes) for i in rng.permutation(len(scans))]
    queue.reverse()  # pop() from the end takes them in order
    canvases = []
    while queue:
        if background == 'noise':
            canvas = rng.integers(
                0, noise_max + 1, (canvas_size, canvas_size), dtype=np.uint8)
        else:
            canvas = np.zeros((canvas_size, canvas_size), np.uint8)
        squares, boxes = [], []
        for _ in range(int(rng.integers(1, max_digits + 1))):
            if not queue:
                break
            size = int(rng.integers(digit_size[0], digit_size[1] + 1))
            for _ in range(max_tries):
                x, y = rng.integers(0, canvas_size - size + 1, 2)
                x, y = int(x), int(y)
                if all(x + size <= sx or sx + ss <= x or y + size <= sy
                       or sy + ss <= y for sx, sy, ss in squares):
                    break
            else:
                break  # this canvas is full: the scan goes on the next one
            index = queue.pop()
            digit = np.asarray(
                Image.fromarray(scans[index]).resize((size, size),
                                                     Image.BILINEAR))
            region = canvas[y:y + size, x:x + size]
            np.maximum(region, digit, out=region)
            rows = np.flatnonzero((digit >= ink_threshold).any(axis=1))
            cols = np.flatnonzero((digit >= ink_threshold).any(axis=0))
            if len(rows) == 0:
                raise ValueError(
                    f'scan {index} has no pixel >= ink_threshold='
                    f'{ink_threshold} at size {size}: lower ink_threshold')
            squares.append((x, y, size))
            boxes.append((int(labels[index]), x + int(cols[0]),
                          y + int(rows[0]), x + int(cols[-1]),
                          y + int(rows[-1])))
        canvases.append((canvas, boxes))
    return canvases


def _voc_xml(img_id: str, size: int, boxes: Sequence[tuple]) -> str:
    objects = ''.join(
        f'  <object>\n    <name>{DIGITS_CLASSES[label]}</name>\n'
        '    <pose>Unspecified</pose>\n    <truncated>0</truncated>\n'
        '    <difficult>0</difficult>\n    <bndbox>\n'
        f'      <xmin>{x0 + 1}</xmin>\n      <ymin>{y0 + 1}</ymin>\n'
        f'      <xmax>{x1 + 1}</xmax>\n      <ymax>{y1 + 1}</ymax>\n'
        '    </bndbox>\n  </object>\n' for label, x0, y0, x1, y1 in boxes)
    return (f'<annotation>\n  <folder>VOC2007</folder>\n'
            f'  <filename>{img_id}.jpg</filename>\n'
            f'  <size>\n    <width>{size}</width>\n'
            f'    <height>{size}</height>\n    <depth>1</depth>\n  </size>\n'
            f'  <segmented>0</segmented>\n{objects}</annotation>\n')


def _jpeg_bytes(canvas: np.ndarray, quality: int) -> bytes:
    buffer = BytesIO()
    Image.fromarray(canvas, mode='L').save(
        buffer, format='JPEG', quality=quality)
    return buffer.getvalue()


def export_digit_canvases(root: Union[str, Path], **params) -> Path:
    """Export the digit canvases to ``root`` unless the same export is there.

    Written into a temporary folder beside ``root`` and renamed into place, so
    concurrent processes and interrupted runs never see a half-written folder.
    The same parameters give the same bytes.

    Args:
        root: Destination folder (``<root>/VOC2007/...``).
        seed (int): Seed of the canvases. Defaults to 0.
        canvas_size (int): Side of the square canvases, pixels. Defaults to 64.
        digit_size (tuple[int, int]): Smallest and largest side of a pasted
            scan, pixels. Defaults to (16, 28).
        max_digits (int): Most digits on one canvas (at least 1, fewer when
            no free place is found). Defaults to 3.
        background (str): ``'noise'`` (uniform grey noise in
            ``[0, noise_max]``) or ``'black'``. Defaults to ``'noise'``.
        noise_max (int): Brightest background pixel. Defaults to 48.
        ink_threshold (int): A pasted pixel at least this bright is ink, and
            inside the digit's box. Defaults to 64.
        trainval_passes (int): Times each training scan is pasted. Defaults to 2.
        test_passes (int): Times each validation scan is pasted. Defaults to 1.
        jpeg_quality (int): JPEG quality of the canvases. Defaults to 95.
        val_size (int), split_seed (int): The digits' split
            (:func:`~hexa_mm.datasets.digits.split_digits`). Defaults to 500, 0.

    Returns:
        Path: ``root``.

    Raises:
        FileExistsError: ``root`` holds something else: an interrupted export,
            other files, or an export made with other parameters.
    """
    unknown = set(params) - set(CANVAS_DEFAULTS)
    if unknown:
        raise TypeError(f'export_digit_canvases: unknown argument(s) '
                        f'{sorted(unknown)}; allowed: {sorted(CANVAS_DEFAULTS)}')
    p = {**CANVAS_DEFAULTS, **params}
    p['digit_size'] = [int(v) for v in p['digit_size']]
    _check_params(p)
    root = Path(root)
    marker = root / _COMPLETE
    if marker.is_file():
        found = json.loads(marker.read_text())
        if found != p:
            raise FileExistsError(
                f'{root} holds digit canvases exported with {found}, not the '
                f'requested {p}; remove it or point data_root elsewhere')
        return root
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(
            f'{root} exists but holds no complete digit-canvas export (no '
            f'{_COMPLETE}); remove it to export again')
    root.parent.mkdir(parents=True, exist_ok=True)
    scans, labels, train_idx, val_idx = split_digits(p['val_size'],
                                                     p['split_seed'])
    tmp = Path(tempfile.mkdtemp(prefix=f'.{root.name}-', dir=root.parent))
    try:
        voc = tmp / 'VOC2007'
        for sub in ('JPEGImages', 'Annotations', 'ImageSets/Main'):
            (voc / sub).mkdir(parents=True)
        for code, (split, indices) in enumerate(
                zip(_SPLITS, (train_idx, val_idx))):
            canvases = render_split(
                scans[indices],
                labels[indices],
                p[f'{split}_passes'],
                np.random.default_rng([p['seed'], code]),
                canvas_size=p['canvas_size'],
                digit_size=tuple(p['digit_size']),
                max_digits=p['max_digits'],
                background=p['background'],
                noise_max=p['noise_max'],
                ink_threshold=p['ink_threshold'])
            ids = []
            for n, (canvas, boxes) in enumerate(canvases):
                img_id = f'{split}_{n:05d}'
                (voc / 'JPEGImages' / f'{img_id}.jpg').write_bytes(
                    _jpeg_bytes(canvas, p['jpeg_quality']))
                (voc / 'Annotations' / f'{img_id}.xml').write_text(
                    _voc_xml(img_id, p['canvas_size'], boxes))
                ids.append(img_id)
            (voc / 'ImageSets' / 'Main' / f'{split}.txt').write_text(
                ''.join(f'{i}\n' for i in ids))
        (tmp / _COMPLETE).write_text(json.dumps(p, sort_keys=True) + '\n')
        if root.exists():
            root.rmdir()  # empty, checked above
        os.rename(tmp, root)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if marker.is_file():  # another process won the race
            return export_digit_canvases(root, **params)
        raise
    return root


@MMDET_DATASETS.register_module()
class DigitCanvasDataset(VOCDataset):
    """Digit canvases (:func:`export_digit_canvases`) as MMDetection's VOC set,
    exported on first use.

    A small stand-in for the paper's detection transfer (Faster R-CNN on
    VOC07+12, HEXA, arXiv 2012.13493, Sec. 4) that runs on a CPU.

    Args:
        data_root (str): Folder of the export. Defaults to
            ``'data/digit_canvases'``.
        split (str): ``'trainval'`` (canvases of the training digits) or
            ``'test'`` (canvases of the validation digits).
        export_cfg (dict, optional): Arguments of
            :func:`export_digit_canvases`; defaults to its defaults.
        **kwargs: Other arguments of MMDetection's ``VOCDataset``
            (``pipeline``, ``test_mode``, ``filter_cfg``, ...).
    """

    METAINFO = {
        'classes': DIGITS_CLASSES,
        'palette': VOCDataset.METAINFO['palette'][:len(DIGITS_CLASSES)]
    }

    def __init__(self,
                 data_root: str = 'data/digit_canvases',
                 split: str = 'trainval',
                 export_cfg: Optional[Dict] = None,
                 **kwargs) -> None:
        if split not in _SPLITS:
            raise ValueError(f'DigitCanvasDataset: split={split!r}, allowed: '
                             + ', '.join(map(repr, _SPLITS)))
        for key in ('ann_file', 'data_prefix'):
            if key in kwargs:
                raise ValueError(
                    f'DigitCanvasDataset: {key} is set from split; got '
                    f'{key}={kwargs[key]!r}')
        export_digit_canvases(data_root, **(export_cfg or {}))
        super().__init__(
            data_root=data_root,
            ann_file=f'VOC2007/ImageSets/Main/{split}.txt',
            data_prefix=dict(sub_data_root='VOC2007/'),
            **kwargs)
        # VOCDataset tags folders named VOC2007 as Pascal VOC 2007, and then
        # VOCMetric prints VOC's 20 class names: these are not VOC's classes.
        compat.set_metainfo(self, 'dataset_type', None)
