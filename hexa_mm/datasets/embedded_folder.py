"""What the embedded data sets share: an ImageNet-style folder written once.

An embedded set (:mod:`~hexa_mm.datasets.digits`,
:mod:`~hexa_mm.datasets.shapes`, :mod:`~hexa_mm.datasets.textures`) is built
by the project, with no download, and exported on first use as::

    <root>/<split>/<label>/<index>.png     <root>/meta/<split>.txt
                                           ("<label>/<index>.png <label>")
    <root>/.export_complete                written last

:func:`export_folder` writes it atomically, :func:`export_drawn` the sets
drawn image by image; :class:`EmbeddedFolderDataset` reads one split of it,
exporting it first when it is missing.
"""
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Dict, Iterable, Tuple, Union

import numpy as np
from mmcls.datasets import CustomDataset
from PIL import Image

#: Written last: a folder without it is an interrupted export.
COMPLETE = '.export_complete'
#: One sample of a split: (path relative to the split's folder, label, image).
Sample = Tuple[str, int, Image.Image]


def export_folder(root: Union[str, Path], what: str,
                  samples: Callable[[], Dict[str, Iterable[Sample]]],
                  marker: str) -> Path:
    """Export ``samples()`` to ``root`` unless a complete export is there.

    The export is written into a temporary folder beside ``root`` and renamed
    into place, so concurrent processes (DDP ranks) and interrupted runs never
    see a half-written folder.

    Args:
        root: Destination folder.
        what: The data set's name, for the error messages.
        samples: Called only when an export is needed: split name -> its
            samples, in the order of ``meta/<split>.txt``.
        marker: Text of the ``.export_complete`` marker (the parameters).

    Returns:
        Path: ``root``.
    """
    root = Path(root)
    if (root / COMPLETE).is_file():
        return root
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(
            f'{root} exists but holds no complete {what} export (no '
            f'{COMPLETE}); remove it to export again')
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f'.{root.name}-', dir=root.parent))
    try:
        (tmp / 'meta').mkdir()
        for split, split_samples in samples().items():
            lines = []
            for rel, label, image in split_samples:
                path = tmp / split / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                image.save(path)
                lines.append(f'{rel} {label}\n')
            (tmp / 'meta' / f'{split}.txt').write_text(''.join(lines))
        (tmp / COMPLETE).write_text(marker)
        if root.exists():
            root.rmdir()  # empty, checked above
        os.rename(tmp, root)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if (root / COMPLETE).is_file():  # another process won the race
            return root
        raise
    except BaseException:
        # An interrupted export (KeyboardInterrupt included) leaves nothing.
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return root


def export_drawn(root: Union[str, Path], what: str,
                 draw: Callable[[int, np.random.Generator], np.ndarray],
                 num_classes: int, num_train: int, num_val: int, seed: int,
                 **params) -> Path:
    """Export a drawn set (:mod:`~hexa_mm.datasets.shapes`,
    :mod:`~hexa_mm.datasets.textures`) unless a complete export is there.

    Image ``i`` has class ``i % num_classes`` and is drawn by ``draw(label,
    rng)`` from its own generator, seeded with ``(seed, i)``: the set does not
    depend on the drawing order. The validation images are the indices after
    the training ones, so both splits are balanced and share no image. A
    complete export drawn with other arguments or ``params`` (the image size,
    the drawing's version) is not reused: that raises, naming the folder.

    Args:
        root: Destination folder.
        what: The data set's name, for the error messages.
        draw: ``(label, rng) -> (H, W, 3) uint8`` RGB image.
        num_classes: Number of classes.
        num_train: Number of training images.
        num_val: Number of validation images.
        seed: Seed of the drawing.
        **params: Recorded in the marker beside the arguments above.

    Returns:
        Path: ``root``.
    """
    marker = json.dumps(
        dict(num_train=num_train, num_val=num_val, seed=seed, **params)) + '\n'
    done = Path(root) / COMPLETE
    if done.is_file() and done.read_text() != marker:
        raise FileExistsError(
            f'{root} holds {what} drawn with {done.read_text().strip()}, not '
            f'{marker.strip()}: remove it to export again')

    def sample(index: int) -> Sample:
        label = index % num_classes
        image = draw(label, np.random.default_rng([seed, index]))
        return (f'{label}/{index:04d}.png', label,
                Image.fromarray(image, mode='RGB'))

    def samples():
        return dict(
            train=(sample(i) for i in range(num_train)),
            val=(sample(i) for i in range(num_train, num_train + num_val)))

    return export_folder(root, what, samples, marker)


class EmbeddedFolderDataset(CustomDataset):
    """One split of an embedded set's folder, exported on first use.

    Subclasses set ``METAINFO`` and :attr:`export` (``root -> root``), and
    give ``data_root`` its default.

    Args:
        data_root (str): Folder of the export.
        split (str): ``'train'`` or ``'val'``.
        **kwargs: Other arguments of MMClassification's ``CustomDataset``
            (``pipeline``, ``indices``, ...).
    """

    #: Writes the export to a folder unless it is complete there.
    export: Callable[[str], Path]

    def __init__(self, data_root: str, split: str = 'train', **kwargs) -> None:
        if split not in ('train', 'val'):
            raise ValueError(f'{type(self).__name__}: split={split!r}, '
                             "allowed: 'train', 'val'")
        type(self).export(data_root)
        super().__init__(
            data_root=data_root,
            ann_file=f'meta/{split}.txt',
            data_prefix=f'{split}/',
            **kwargs)
