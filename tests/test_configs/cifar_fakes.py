"""Tiny CIFAR-10 / CIFAR-100 in the python-pickle format of the real archives
(``cifar-10-batches-py/data_batch_1..5``, ``test_batch``, ``batches.meta``;
``cifar-100-python/train``, ``test``, ``meta``), for the configs of
``configs/cifar10`` and ``configs/cifar100`` read by mmcls's own CIFAR classes.

mmcls checks the md5 of every pickle against the real archive's and offers no
argument to skip the check (``download=False`` only turns the failed check
into an error instead of a download). :func:`accept_fake_cifar_files` clears
the expected sums (``None``: mmcls's ``_check_integrity`` skips the check) for
the duration of a test, in the process that runs ``tools/train.py``'s
``main``.
"""
import os
import os.path as osp
import pickle
from typing import Sequence, Union

import numpy as np

#: CIFAR-10's training pickles: the training set in 5 batches.
CIFAR10_TRAIN_FILES = [f'data_batch_{i}' for i in range(1, 6)]


def _images(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` random 32x32 RGB images as CIFAR stores them: one row of
    3072 uint8 a image, the red plane, then green, then blue."""
    return rng.integers(0, 256, (count, 3 * 32 * 32), dtype=np.uint8)


def _dump(path: str, entry: dict) -> None:
    # Protocol 2, as the archives' (Python 2 cPickle) files.
    with open(path, 'wb') as f:
        pickle.dump(entry, f, protocol=2)


def write_fake_cifar10(root: Union[str, os.PathLike],
                       train_per_file: int = 2,
                       test_images: int = 4,
                       seed: int = 0) -> str:
    """``root/cifar-10-batches-py`` with ``5 * train_per_file`` training and
    ``test_images`` test images, labels cycling over the 10 classes; returns
    ``root`` (the configs' ``data_prefix``)."""
    rng = np.random.default_rng(seed)
    folder = osp.join(root, 'cifar-10-batches-py')
    os.makedirs(folder, exist_ok=True)
    label = 0
    splits = [(name, train_per_file) for name in CIFAR10_TRAIN_FILES]
    for name, count in splits + [('test_batch', test_images)]:
        labels = [(label + i) % 10 for i in range(count)]
        label += count
        _dump(
            osp.join(folder, name), {
                'batch_label': name,
                'labels': labels,
                'data': _images(rng, count),
                'filenames': [f'{name}_{i}.png' for i in range(count)],
            })
    names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog',
             'horse', 'ship', 'truck']
    meta = dict(
        label_names=names, num_cases_per_batch=train_per_file, num_vis=3072)
    _dump(osp.join(folder, 'batches.meta'), meta)
    return str(root)


def write_fake_cifar100(root: Union[str, os.PathLike],
                        train_images: int = 10,
                        test_images: int = 4,
                        seed: int = 0) -> str:
    """``root/cifar-100-python`` (``train``, ``test``, ``meta``), fine labels
    cycling over the 100 classes; returns ``root``."""
    rng = np.random.default_rng(seed)
    folder = osp.join(root, 'cifar-100-python')
    os.makedirs(folder, exist_ok=True)
    for offset, (name, count) in enumerate(
        (('train', train_images), ('test', test_images))):
        fine = [(17 * offset + 7 * i) % 100 for i in range(count)]
        _dump(
            osp.join(folder, name), {
                'filenames': [f'{name}_{i}.png' for i in range(count)],
                'batch_label': f'{name}ing batch 1 of 1',
                'fine_labels': fine,
                'coarse_labels': [f // 5 for f in fine],
                'data': _images(rng, count),
            })
    _dump(
        osp.join(folder, 'meta'), {
            'fine_label_names': [f'class_{i}' for i in range(100)],
            'coarse_label_names': [f'superclass_{i}' for i in range(20)],
        })
    return str(root)


def accept_fake_cifar_files(
    monkeypatch, classes: Sequence[str] = ('CIFAR10', 'CIFAR100')) -> None:
    """Let mmcls's CIFAR classes read the fake pickles: the expected md5 sums
    of their data files set to None, which ``_check_integrity`` skips. Only
    for this test (``monkeypatch`` undoes it), only in this process."""
    import mmcls.datasets as datasets
    for name in classes:
        cls = getattr(datasets, name)
        for attr in ('train_list', 'test_list'):
            monkeypatch.setattr(cls, attr,
                                [[f, None] for f, _ in getattr(cls, attr)])
