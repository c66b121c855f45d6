"""scikit-learn's bundled digits as an ImageNet-style folder: data with no
download.

``load_digits`` ships 1,797 real 8x8 scans of handwritten digits (10 classes)
inside scikit-learn. :func:`export_digits` writes them once as PNG files::

    <root>/train/<label>/<index>.png   <root>/meta/train.txt
    <root>/val/<label>/<index>.png     <root>/meta/val.txt

with a deterministic, class-stratified split (500 validation images by
default); each line of a meta file reads ``<label>/<index>.png <label>``.
"""
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image

from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
from mmselfsup.registry import DATASETS
from .embedded_folder import EmbeddedFolderDataset, export_folder

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
    half-written folder (:func:`~hexa_mm.datasets.embedded_folder.export_folder`).

    Args:
        root: Destination folder.
        val_size: Number of validation images (stratified by class).
        seed: Seed of the split.

    Returns:
        Path: ``root``.
    """

    def samples():
        images, labels, train_idx, val_idx = split_digits(val_size, seed)
        return {
            split: ((f'{labels[i]}/{i:04d}.png', labels[i],
                     Image.fromarray(images[i], mode='L')) for i in indices)
            for split, indices in (('train', train_idx), ('val', val_idx))
        }

    return export_folder(root, 'digits', samples,
                         f'val_size={val_size} seed={seed}\n')


@DATASETS.register_module()
class DigitsDataset(EmbeddedFolderDataset):
    """The embedded digits data set, exported on first use.

    Args:
        data_root (str): Folder of the export. Defaults to ``'data/digits'``.
        split (str): ``'train'`` (1,297 images) or ``'val'`` (500 images).
        **kwargs: Other arguments of MMClassification's ``CustomDataset``
            (``pipeline``, ``indices``, ...).
    """

    METAINFO = {'classes': DIGITS_CLASSES}
    export = staticmethod(export_digits)

    def __init__(self,
                 data_root: str = 'data/digits',
                 split: str = 'train',
                 **kwargs) -> None:
        super().__init__(data_root, split, **kwargs)


# Downstream evaluation (classification probes, fine-tuning) runs in MMPretrain's
# scope: the same class answers to ``type='DigitsDataset'`` there.
MMPRETRAIN_DATASETS.register_module(module=DigitsDataset)
