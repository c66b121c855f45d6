"""Labelled subsets for semi-supervised and few-shot evaluation.

The paper's semi-supervised protocol (SimCLR / SwAV) fine-tunes on 1% and 10% of
ImageNet's labels, chosen by the published list files (one image file name per
line, e.g. ``n01440764_10026.JPEG``). :class:`LabelSubset` takes such a file by
path, or, when none is given, draws a deterministic class-balanced subset: the same
images on every rank, every run and every machine for one ``seed``.
"""
import os.path as osp
from typing import Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmpretrain.registry import DATASETS


def class_balanced_indices(labels: Sequence[int],
                           fraction: Optional[float] = None,
                           per_class: Optional[int] = None,
                           seed: int = 0) -> np.ndarray:
    """Sorted indices of a class-balanced subset of ``labels``.

    Exactly one of ``fraction`` (of each class, at least one image per class) and
    ``per_class`` (images per class, the k of a k-shot probe) is given.
    """
    if (fraction is None) == (per_class is None):
        raise ValueError('give exactly one of fraction and per_class, got '
                         f'fraction={fraction!r}, per_class={per_class!r}')
    if fraction is not None and not 0 < fraction <= 1:
        raise ValueError(f'fraction={fraction!r}: expected 0 < fraction <= 1')
    if per_class is not None and per_class < 1:
        raise ValueError(f'per_class={per_class!r}: expected >= 1')
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        n = per_class if per_class is not None else max(
            1, int(round(fraction * len(members))))
        if n > len(members):
            raise ValueError(f'per_class={per_class}: class {label} has only '
                             f'{len(members)} images')
        chosen.append(rng.permutation(members)[:n])
    return np.sort(np.concatenate(chosen))


def read_subset_file(path: str) -> list:
    """Image file names listed in ``path``, one per line (blank lines skipped)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'subset_file {path!r} does not exist')
    with open(path) as f:
        names = [line.strip() for line in f if line.strip()]
    if not names:
        raise ValueError(f'subset_file {path!r} lists no images')
    return names


@DATASETS.register_module()
class LabelSubset:
    """A labelled subset of a classification data set.

    Args:
        dataset (dict | BaseDataset): The full data set (or its config).
        subset_file (str, optional): A list of image file names, one per line,
            matched against the base names of the data set's ``img_path``
            (the format of SimCLR's ``1percent.txt`` / ``10percent.txt``).
            Every listed name must be found. When given, it alone decides the
            subset (``fraction`` / ``per_class`` are then not used).
        fraction (float, optional): Without ``subset_file``: the fraction of
            each class to keep.
        per_class (int, optional): Without ``subset_file``: images per class.
        seed (int): Seed of the class-balanced draw. Defaults to 0.
    """

    def __init__(self,
                 dataset: Union[dict, BaseDataset],
                 subset_file: Optional[str] = None,
                 fraction: Optional[float] = None,
                 per_class: Optional[int] = None,
                 seed: int = 0) -> None:
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        dataset.full_init()
        if subset_file is not None:
            # The configs carry a default fraction; a list file replaces it.
            indices = self._indices_of_file(dataset, subset_file)
            print_log(
                f'LabelSubset: {len(indices)} images listed in {subset_file} '
                '(fraction / per_class not used)', logger='current')
        else:
            indices = class_balanced_indices(
                [dataset.get_cat_ids(i)[0] for i in range(len(dataset))],
                fraction=fraction,
                per_class=per_class,
                seed=seed)
        self.dataset = dataset.get_subset(indices.tolist())
        self.subset_file = subset_file

    @staticmethod
    def _indices_of_file(dataset: BaseDataset, subset_file: str) -> np.ndarray:
        wanted = read_subset_file(subset_file)
        index_of = {
            osp.basename(dataset.get_data_info(i)['img_path']): i
            for i in range(len(dataset))
        }
        missing = [name for name in wanted if name not in index_of]
        if missing:
            raise ValueError(
                f'subset_file {subset_file!r}: {len(missing)} of {len(wanted)} '
                f'listed images are not in the data set (first: '
                f'{missing[:3]}); check data_root / ann_file')
        return np.sort(np.array([index_of[name] for name in set(wanted)]))

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def full_init(self) -> None:
        self.dataset.full_init()

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(idx)

    def get_cat_ids(self, idx: int) -> list:
        return self.dataset.get_cat_ids(idx)

    def __getitem__(self, idx: int) -> dict:
        return self.dataset[idx]

    def __len__(self) -> int:
        return len(self.dataset)
