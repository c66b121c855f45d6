"""scikit-learn's bundled digits as an ImageNet-style folder: data with no download.

``load_digits`` ships 1,797 real 8x8 scans of handwritten digits (10 classes) inside
scikit-learn. :func:`export_digits` writes them once as PNG files::

    <root>/train/<label>/<index>.png     <root>/meta/train.txt  ("<label>/<index>.png <label>")
    <root>/val/<label>/<index>.png       <root>/meta/val.txt

with a deterministic, class-stratified split (500 validation images by default).
"""
import os
import shutil
import tempfile
from pathlib import Path
from typing import Union

import numpy as np
from mmcls.datasets import CustomDataset
from PIL import Image

from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
from mmselfsup.registry import DATASETS

DIGITS_CLASSES = tuple(str(i) for i in range(10))
#: Side of the digits configs' network inputs (configs/_base_/models/
#: digits_resnet18.py, ``digits_size``): the 8x8 scans upscaled.
DIGITS_SIZE = 16
#: Labelled, indexed digits for feature evaluation (kNN, probes).
DIGITS_EVAL_PIPELINE = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=(DIGITS_SIZE, DIGITS_SIZE), backend='pillow'),
    dict(
        type='PackSelfSupInputs',
        algorithm_keys=['gt_label', 'sample_idx'],
        meta_keys=['img_path'])
]
#: Written last: a folder without it is an interrupted export.
_COMPLETE = '.export_complete'


def split_digits(val_size: int = 500, seed: int = 0):
    """Return ``(images uint8 (N, 8, 8), labels, train indices, val indices)``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    # Pixel values are 0..16: stretch them to the 0..255 of an 8-bit image.
    images = np.round(digits.images * (255. / 16.)).astype(np.uint8)
    labels = digits.target.astype(np.int64)
    train_idx, val_idx = train_test_split(
        np.arange(len(labels)),
        test_size=val_size,
        random_state=seed,
        stratify=labels)
    return images, labels, np.sort(train_idx), np.sort(val_idx)


def export_digits(root: Union[str, Path],
                  val_size: int = 500,
                  seed: int = 0) -> Path:
    """Export the digits to ``root`` unless a complete export is already there.

    The export is written into a temporary folder beside ``root`` and renamed into
    place, so concurrent processes (DDP ranks) and interrupted runs never see a
    half-written folder.

    Args:
        root: Destination folder.
        val_size: Number of validation images (stratified by class).
        seed: Seed of the split.

    Returns:
        Path: ``root``.
    """
    root = Path(root)
    if (root / _COMPLETE).is_file():
        return root
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(
            f'{root} exists but holds no complete digits export (no {_COMPLETE}); '
            'remove it to export again')
    root.parent.mkdir(parents=True, exist_ok=True)
    images, labels, train_idx, val_idx = split_digits(val_size, seed)
    tmp = Path(tempfile.mkdtemp(prefix=f'.{root.name}-', dir=root.parent))
    try:
        (tmp / 'meta').mkdir()
        for split, indices in (('train', train_idx), ('val', val_idx)):
            lines = []
            for i in indices:
                rel = f'{labels[i]}/{i:04d}.png'
                path = tmp / split / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                Image.fromarray(images[i], mode='L').save(path)
                lines.append(f'{rel} {labels[i]}\n')
            (tmp / 'meta' / f'{split}.txt').write_text(''.join(lines))
        (tmp / _COMPLETE).write_text(f'val_size={val_size} seed={seed}\n')
        if root.exists():
            root.rmdir()  # empty, checked above
        os.rename(tmp, root)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if (root / _COMPLETE).is_file():  # another process won the race
            return root
        raise
    return root


@DATASETS.register_module()
class DigitsDataset(CustomDataset):
    """The embedded digits data set, exported on first use.

    Args:
        data_root (str): Folder of the export. Defaults to ``'data/digits'``.
        split (str): ``'train'`` (1,297 images) or ``'val'`` (500 images).
        **kwargs: Other arguments of MMClassification's ``CustomDataset``
            (``pipeline``, ``indices``, ...).
    """

    METAINFO = {'classes': DIGITS_CLASSES}

    def __init__(self,
                 data_root: str = 'data/digits',
                 split: str = 'train',
                 **kwargs) -> None:
        if split not in ('train', 'val'):
            raise ValueError(
                f"DigitsDataset: split={split!r}, allowed: 'train', 'val'")
        export_digits(data_root)
        super().__init__(
            data_root=data_root,
            ann_file=f'meta/{split}.txt',
            data_prefix=f'{split}/',
            **kwargs)


# Downstream evaluation (classification probes, fine-tuning) runs in MMPretrain's
# scope: the same class answers to ``type='DigitsDataset'`` there.
MMPRETRAIN_DATASETS.register_module(module=DigitsDataset)
