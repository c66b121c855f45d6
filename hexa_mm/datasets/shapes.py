"""Coloured shapes on textured backgrounds, drawn by the project: data with no
download that is not the digits.

A second embedded set, so that a method tuned on the digits can be checked on
data with other content: colour, texture, shapes at several places, sizes and
tilts, at 32x32. :func:`export_shapes` draws it once (numpy and PIL) into the
layout of :mod:`~hexa_mm.datasets.embedded_folder`::

    <root>/train/<label>/<index>.png   <root>/meta/train.txt  (2,000 images)
    <root>/val/<label>/<index>.png     <root>/meta/val.txt    (500 images)

Each image holds one filled shape of :data:`SHAPES_CLASSES` (its class), drawn
at 4x and downsampled (anti-aliased edges), at a random centre, radius
(:data:`SHAPES_RADIUS`, of the side) and tilt (within :data:`SHAPES_TILT`
degrees of upright), in a random colour over one of five
random backgrounds (flat, linear gradient, stripes, checkerboard, blotchy
noise), with Gaussian pixel noise on top. Colour and background say nothing
about the class: only the outline does. Image ``i`` is drawn from its own seed
(``seed`` and ``i``), so the set does not depend on the drawing order; its
class is ``i % 10``, so both splits are balanced (the validation images are the
indices after the training ones: the splits share no image).
"""
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image, ImageDraw

from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
from mmselfsup.registry import DATASETS
from .embedded_folder import EmbeddedFolderDataset, export_drawn

SHAPES_CLASSES = ('circle', 'ring', 'square', 'frame', 'triangle', 'star',
                  'cross', 'crescent', 'arrow', 'semicircle')
#: Side of the images.
SHAPES_SIZE = 32
#: Side of the shapes configs' network inputs (configs/*_r18_shapes.py):
#: the digits recipe's 16, as 32x32 inputs cost four times the compute
#: (docs/experiments/shapes.md).
SHAPES_INPUT_SIZE = 16
#: Labelled, indexed shapes for feature evaluation (kNN, probes).
SHAPES_EVAL_PIPELINE = [
    dict(type='CheckedLoadImageFromFile'),
    dict(
        type='Resize',
        scale=(SHAPES_INPUT_SIZE, SHAPES_INPUT_SIZE),
        backend='pillow'),
    dict(
        type='PackSelfSupInputs',
        algorithm_keys=['gt_label', 'sample_idx'],
        meta_keys=['img_path'])
]
#: Radius of a shape, as a fraction of the side (uniform in this range), and
#: its tilt from upright, in degrees (uniform in +-SHAPES_TILT). Drawing 2:
#: smaller shapes at any angle (radius 0.2-0.4, drawing 1) left every backbone
#: at chance, supervised ones too (a 3-pixel star at the 16-pixel input is a
#: blob, and a tilted square is a diamond): docs/experiments/shapes.md.
SHAPES_RADIUS = (0.35, 0.48)
SHAPES_TILT = 25
#: Version of the drawing, in the export's marker: an export of another
#: drawing is not reused.
SHAPES_DRAWING = 2
_SUPERSAMPLE = 4
_CONTRAST = 80


def _regular(n: int, radius: float, phase: float = 0.) -> np.ndarray:
    """Vertices (n, 2) of a regular n-gon around the origin."""
    angles = phase + 2 * np.pi * np.arange(n) / n
    return radius * np.stack([np.cos(angles), np.sin(angles)], 1)


def _outline(label: int):
    """(filled polygons, hole polygons) of the class's shape, radius 1, centred
    on the origin, pointing up (y grows downwards)."""
    circle = _regular(96, 1.)
    square = _regular(4, 1., np.pi / 4)
    name = SHAPES_CLASSES[label]
    if name == 'circle':
        return [circle], []
    if name == 'ring':
        return [circle], [0.55 * circle]
    if name == 'square':
        return [square], []
    if name == 'frame':
        return [square], [0.55 * square]
    if name == 'triangle':
        return [_regular(3, 1., -np.pi / 2)], []
    if name == 'star':
        star = _regular(10, 1., -np.pi / 2)
        star[1::2] *= 0.42
        return [star], []
    if name == 'cross':
        a, b = 0.3, 0.9
        return [np.array([(-a, -b), (a, -b), (a, -a), (b, -a), (b, a), (a, a),
                          (a, b), (-a, b), (-a, a), (-b, a), (-b, -a),
                          (-a, -a)])], []
    if name == 'crescent':
        return [circle], [0.8 * circle + (0.45, -0.2)]
    if name == 'arrow':
        return [np.array([(0., -1.), (0.75, -0.1), (0.28, -0.1), (0.28, 0.95),
                          (-0.28, 0.95), (-0.28, -0.1), (-0.75, -0.1)])], []
    # semicircle: the upper half of the disc, moved down to centre its area
    half = _regular(96, 1.)[48:]
    return [np.concatenate([half, [(1., 0.)]]) + (0., 0.4)], []


def _background(rng: np.random.Generator, size: int):
    """A float (size, size, 3) background in 0..255, of a random kind, and its
    two end colours (its pixels mix them)."""
    a, b = rng.uniform(0, 255, (2, 3))
    y, x = np.mgrid[0:size, 0:size] / size
    kind = rng.integers(5)
    if kind == 0:  # flat
        t = np.zeros((size, size))
    elif kind == 1:  # linear gradient in a random direction
        angle = rng.uniform(0, 2 * np.pi)
        t = np.cos(angle) * x + np.sin(angle) * y
        t = (t - t.min()) / max(np.ptp(t), 1e-6)
    elif kind == 2:  # stripes of random period and angle
        angle = rng.uniform(0, np.pi)
        period = rng.uniform(0.12, 0.35)
        t = (np.cos(angle) * x + np.sin(angle) * y) / period
        t = (np.floor(t + rng.uniform()) % 2)
    elif kind == 3:  # checkerboard
        cells = rng.integers(3, 9)
        t = (np.floor(x * cells) + np.floor(y * cells)) % 2
    else:  # blotchy noise: coarse random values, upscaled smoothly
        coarse = rng.uniform(0, 255, (4, 4)).astype(np.uint8)
        t = np.asarray(
            Image.fromarray(coarse).resize((size, size), Image.BICUBIC),
            dtype=np.float64) / 255
    return a + (b - a) * t[..., None], (a, b)


def draw_shape(label: int, rng: np.random.Generator,
               size: int = SHAPES_SIZE) -> np.ndarray:
    """One uint8 RGB image (size, size, 3) of class ``label``."""
    big = size * _SUPERSAMPLE
    radius = rng.uniform(*SHAPES_RADIUS) * big
    centre = rng.uniform(radius, big - radius, 2)
    angle = np.deg2rad(rng.uniform(-SHAPES_TILT, SHAPES_TILT))
    rot = np.array([[np.cos(angle), -np.sin(angle)],
                    [np.sin(angle), np.cos(angle)]])
    mask = Image.new('L', (big, big), 0)
    draw = ImageDraw.Draw(mask)
    filled, holes = _outline(label)
    for polygons, value in ((filled, 255), (holes, 0)):
        for poly in polygons:
            points = poly @ rot.T * radius + centre
            draw.polygon([tuple(p) for p in points], fill=value)
    alpha = np.asarray(
        mask.resize((size, size), Image.BOX), dtype=np.float64)[..., None] / 255
    background, ends = _background(rng, size)
    # A shape in its background's colour would be invisible: its colour differs
    # from both end colours by _CONTRAST in some channel.
    colour = rng.uniform(0, 255, 3)
    while min(np.abs(colour - end).max() for end in ends) < _CONTRAST:
        colour = rng.uniform(0, 255, 3)
    image = alpha * colour + (1 - alpha) * background
    image += rng.normal(0, rng.uniform(0, 12), image.shape)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def export_shapes(root: Union[str, Path],
                  num_train: int = 2000,
                  num_val: int = 500,
                  seed: int = 0) -> Path:
    """Draw the shapes into ``root`` unless a complete export is there
    (:func:`~hexa_mm.datasets.embedded_folder.export_drawn`: written
    atomically; an export drawn with other arguments, or by another version of
    the drawing, raises, naming the folder).

    Args:
        root: Destination folder.
        num_train: Number of training images.
        num_val: Number of validation images.
        seed: Seed of the drawing.

    Returns:
        Path: ``root``.
    """
    return export_drawn(
        root,
        'shapes',
        draw_shape,
        len(SHAPES_CLASSES),
        num_train,
        num_val,
        seed,
        size=SHAPES_SIZE,
        drawing=SHAPES_DRAWING)


@DATASETS.register_module()
class ShapesDataset(EmbeddedFolderDataset):
    """The embedded shapes data set, drawn on first use.

    Args:
        data_root (str): Folder of the export. Defaults to ``'data/shapes'``.
        split (str): ``'train'`` (2,000 images) or ``'val'`` (500 images).
        **kwargs: Other arguments of MMClassification's ``CustomDataset``
            (``pipeline``, ``indices``, ...).
    """

    METAINFO = {'classes': SHAPES_CLASSES}
    export = staticmethod(export_shapes)

    def __init__(self,
                 data_root: str = 'data/shapes',
                 split: str = 'train',
                 **kwargs) -> None:
        super().__init__(data_root, split, **kwargs)


# Downstream evaluation (classification probes, fine-tuning) runs in MMPretrain's
# scope: the same class answers to ``type='ShapesDataset'`` there.
MMPRETRAIN_DATASETS.register_module(module=ShapesDataset)
