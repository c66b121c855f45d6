"""Procedural textures, drawn by the project: a third embedded set, held out
of every choice.

The digits and the shapes hold one object each (a handwritten stroke, a filled
outline), and their class is that object's outline at one place of the image.
Here the class is a *texture*: a stationary pattern that fills the whole image,
so any part of it shows the class, and no outline, place or object does. The
project's HEXA settings were chosen on the digits and the shapes; this set, of
another kind, took no part in that choice and judges it (docs/experiments/
textures.md). :func:`export_textures` draws it once (numpy and PIL) into the
layout of :mod:`~hexa_mm.datasets.embedded_folder`::

    <root>/train/<label>/<index>.png   <root>/meta/train.txt  (2,000 images)
    <root>/val/<label>/<index>.png     <root>/meta/val.txt    (500 images)

Each image (32x32 RGB) is one of :data:`TEXTURES_CLASSES`, a scalar pattern
``t`` in 0..1 drawn at 2x and box-downsampled (anti-aliased), each class with
its own spectral or structural signature (oriented bars, zigzag bars, a grid
of lines, concentric rings, turbulent marble veins, Voronoi cells, bricks, a
lattice of dots, fractal clouds, a band-pass labyrinth) at a random scale,
orientation, phase and sharpness, mapped onto a random palette of two shades
of one hue (:func:`_palette`), lit by a random gradient, with Gaussian pixel
noise on top. Palette, light, orientation and phase say nothing about the
class; scales overlap between classes. Image ``i`` is drawn from its own seed
(``seed`` and ``i``), so the set does not depend on the drawing order; its
class is ``i % 10``, so both splits are balanced (the validation images are
the indices after the training ones: the splits share no image).

Why textures rather than several objects per image or an installed package's
pictures: objects on a background are the shapes' kind again, and the
photographs the installed stack ships (scikit-learn's two sample images,
matplotlib's one) are too few to hold ten classes of independent images.
"""
import colorsys
from pathlib import Path
from typing import Union

import numpy as np

from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
from mmselfsup.registry import DATASETS
from .embedded_folder import EmbeddedFolderDataset, export_drawn

TEXTURES_CLASSES = ('stripes', 'zigzag', 'grid', 'rings', 'marble', 'cells',
                    'bricks', 'dots', 'clouds', 'labyrinth')
#: Side of the images.
TEXTURES_SIZE = 32
#: Side of the textures configs' network inputs: the shapes' 16 (the same
#: compute a run). Every class's period is >= 5 pixels at 32, so >= 2.5 at 16:
#: above the 2-pixel limit of what a 16-pixel input can show.
TEXTURES_INPUT_SIZE = 16
#: Labelled, indexed textures for feature evaluation (kNN, probes).
TEXTURES_EVAL_PIPELINE = [
    dict(type='CheckedLoadImageFromFile'),
    dict(
        type='Resize',
        scale=(TEXTURES_INPUT_SIZE, TEXTURES_INPUT_SIZE),
        backend='pillow'),
    dict(
        type='PackSelfSupInputs',
        algorithm_keys=['gt_label', 'sample_idx'],
        meta_keys=['img_path'])
]
#: Version of the drawing, in the export's marker: an export of another
#: drawing is not reused. Drawing 2: drawing 1 painted each pattern in two
#: independent random colours; there MoCo-v2 learned nothing of the class and
#: a supervised backbone overfitted to the colours
#: (docs/experiments/textures.md).
TEXTURES_DRAWING = 2
_SUPERSAMPLE = 2
#: The two shades of a palette differ by at least this much in HSV value.
_VALUE_GAP = 0.35


def _rotated(rng: np.random.Generator, x: np.ndarray, y: np.ndarray):
    """The coordinates along and across a random direction."""
    angle = rng.uniform(0, np.pi)
    c, s = np.cos(angle), np.sin(angle)
    return c * x + s * y, -s * x + c * y


def _bars(phase: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Periodic bars of a phase field (one period per unit), from a sine to
    near-square edges."""
    sharp = rng.uniform(0.5, 4.)
    return 0.5 + 0.5 * np.tanh(sharp * np.sin(2 * np.pi * phase)) / np.tanh(
        sharp)


def _lines(phase: np.ndarray, period: float, width: float) -> np.ndarray:
    """Lines ``width`` pixels wide, one per unit of ``phase`` (``period``
    pixels apart), with a one-pixel soft edge: 1 on a line."""
    distance = np.abs((phase + 0.5) % 1 - 0.5) * period
    return np.clip(width / 2 - distance + 0.5, 0, 1)


def _noise(rng: np.random.Generator, n: int, amplitude) -> np.ndarray:
    """A Gaussian random field (n, n), zero mean and unit std, whose Fourier
    amplitudes are ``amplitude(frequency in cycles per image pixel)``."""
    freq = np.fft.fftfreq(n, d=1 / _SUPERSAMPLE)
    radius = np.hypot(*np.meshgrid(freq, freq, indexing='ij'))
    spectrum = np.fft.fft2(rng.normal(size=(n, n))) * amplitude(radius)
    field = np.real(np.fft.ifft2(spectrum))
    return (field - field.mean()) / max(field.std(), 1e-8)


def _fractal(rng: np.random.Generator, n: int, beta: float) -> np.ndarray:
    """Noise with a 1 / f**beta power spectrum (no constant term)."""
    return _noise(rng, n, lambda f: np.where(
        f > 0, np.maximum(f, 1e-3)**(-beta / 2), 0.))


def _smooth(rng: np.random.Generator, n: int) -> np.ndarray:
    """Noise of wavelengths around 10 pixels and more (Gaussian low-pass, no
    constant term): a gentle warp, where fractal noise would be rough (its
    gradients are dominated by its finest scales)."""
    return _noise(rng, n, lambda f: np.where(
        f > 0, np.exp(-0.5 * (f / 0.06)**2), 0.))


def _pattern(label: int, rng: np.random.Generator, x: np.ndarray,
             y: np.ndarray, size: int) -> np.ndarray:
    """The class's pattern ``t`` (0..1) on the pixel coordinates ``x, y``."""
    name = TEXTURES_CLASSES[label]
    n = x.shape[0]
    if name == 'stripes':
        along, _ = _rotated(rng, x, y)
        return _bars(along / rng.uniform(6, 12) + rng.uniform(), rng)
    if name == 'zigzag':  # bars bent into a triangle wave across them
        along, across = _rotated(rng, x, y)
        period, bend = rng.uniform(6, 10), rng.uniform(8, 14)
        wave = 2 * np.abs((across / bend + rng.uniform()) % 1 - 0.5) - 0.5
        shift = rng.uniform(0.6, 1.) * period * wave
        return _bars((along + shift) / period + rng.uniform(), rng)
    if name == 'grid':  # two families of thin lines, 50-90 degrees apart
        angle = rng.uniform(0, np.pi)
        turn = angle + np.deg2rad(rng.uniform(50, 90))
        width = rng.uniform(1.5, 3)
        lines = []
        for direction in (angle, turn):
            period = rng.uniform(6, 12)
            along = np.cos(direction) * x + np.sin(direction) * y
            lines.append(_lines(along / period + rng.uniform(), period, width))
        return np.maximum(*lines)
    if name == 'rings':  # wood: rings around a centre inside the image
        centre = rng.uniform(0.15, 0.85, 2) * size
        radius = np.hypot(x - centre[0], y - centre[1])
        radius = radius + rng.uniform(0.5, 1.5) * _smooth(rng, n)
        return _bars(radius / rng.uniform(5, 9) + rng.uniform(), rng)
    if name == 'marble':  # thin veins along a turbulent direction
        along, _ = _rotated(rng, x, y)
        period = rng.uniform(8, 16)
        phase = along / period + rng.uniform(0.15, 0.3) * _smooth(rng, n)
        veins = _lines(phase + rng.uniform(), period, rng.uniform(1.5, 3))
        # The stone between the veins: faint mottling.
        mottle = 0.1 * np.tanh(_smooth(rng, n))
        return np.clip(0.85 + mottle - 0.85 * veins, 0, 1)
    if name == 'cells':  # Voronoi cells of random shades, dark borders
        cell = rng.uniform(7, 12)
        span = size + 2 * cell
        count = int(round((span / cell)**2))
        seeds = rng.uniform(-cell, size + cell, (count, 2))
        dist = np.hypot(x[..., None] - seeds[:, 0], y[..., None] - seeds[:, 1])
        order = np.argsort(dist, -1)
        nearest = np.take_along_axis(dist, order[..., :2], -1)
        shade = rng.uniform(0.35, 1., count)[order[..., 0]]
        border = rng.uniform(0.8, 1.6)
        edge = np.clip((nearest[..., 1] - nearest[..., 0]) / border, 0, 1)
        return shade * edge
    if name == 'bricks':  # rows of bricks, every other row shifted by half
        along, across = _rotated(rng, x, y)
        height = rng.uniform(5, 8)
        length = height * rng.uniform(1.7, 2.6)
        mortar = rng.uniform(0.8, 1.5)
        across = across + rng.uniform() * height
        row = np.floor(across / height)
        along = along + rng.uniform() * length + (row % 2) * length / 2
        col = np.floor(along / length)
        inside = np.minimum(
            np.minimum(across - row * height, (row + 1) * height - across),
            np.minimum(along - col * length, (col + 1) * length - along))
        shades = rng.uniform(0.6, 1., (16, 16))
        shade = shades[row.astype(int) % 16, col.astype(int) % 16]
        return shade * np.clip(inside - mortar / 2 + 0.5, 0, 1)
    if name == 'dots':  # discs on a square or hexagonal lattice
        along, across = _rotated(rng, x, y)
        spacing = rng.uniform(6, 11)
        radius = spacing * rng.uniform(0.22, 0.35)
        skew = 0.5 if rng.uniform() < 0.5 else 0.  # hexagonal or square
        rise = np.sqrt(3) / 2 if skew else 1.
        along = along + rng.uniform() * spacing
        across = across + rng.uniform() * spacing
        nearest = np.full(x.shape, np.inf)
        base = np.floor(across / (rise * spacing))
        for drow in (-1, 0, 1):
            row = base + drow
            centre_across = row * rise * spacing
            shift = (row % 2) * skew * spacing
            centre_along = np.round((along - shift) / spacing) * spacing + shift
            nearest = np.minimum(
                nearest,
                np.hypot(along - centre_along, across - centre_across))
        return np.clip(radius - nearest + 0.5, 0, 1)
    if name == 'clouds':  # fractal noise, smooth blobs of all sizes
        field = _fractal(rng, n, rng.uniform(2., 3.))
        return 0.5 + 0.5 * np.tanh(rng.uniform(0.7, 1.5) * field)
    # labyrinth: isotropic band-pass noise, thresholded: winding worms
    freq = 1 / rng.uniform(6, 10)
    field = _noise(rng, n, lambda f: np.exp(-0.5 * ((f - freq) /
                                                    (0.15 * freq))**2))
    return 0.5 + 0.5 * np.tanh(rng.uniform(2, 5) * field)


def _palette(rng: np.random.Generator):
    """Two RGB colours (0..255): shades of one random hue, of random
    saturations, apart in value by at least :data:`_VALUE_GAP` (the pattern
    shows as light and dark, as a natural texture's does), the lighter one
    at random."""
    hue = rng.uniform()
    saturation = rng.uniform(0.15, 0.8)
    values = rng.uniform(0.15, 1., 2)
    while abs(values[0] - values[1]) < _VALUE_GAP:
        values = rng.uniform(0.15, 1., 2)
    return [
        255 * np.array(colorsys.hsv_to_rgb(
            hue, min(1., saturation * rng.uniform(0.7, 1.3)), value))
        for value in values
    ]


def draw_texture(label: int, rng: np.random.Generator,
                 size: int = TEXTURES_SIZE) -> np.ndarray:
    """One uint8 RGB image (size, size, 3) of class ``label``."""
    n = size * _SUPERSAMPLE
    # Pixel coordinates of the output image (0..size) at the sample centres.
    y, x = (np.mgrid[0:n, 0:n] + 0.5) / _SUPERSAMPLE
    t = _pattern(label, rng, x, y, size)
    # Box-downsampled: the pattern's edges anti-aliased.
    t = t.reshape(size, _SUPERSAMPLE, size, _SUPERSAMPLE).mean((1, 3))
    a, b = _palette(rng)
    image = a + (b - a) * t[..., None]
    # Light from a random side, +-20% across the image.
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * x[::_SUPERSAMPLE, ::_SUPERSAMPLE] +
            np.sin(angle) * y[::_SUPERSAMPLE, ::_SUPERSAMPLE]) / size - 0.5
    image *= 1 + rng.uniform(0, 0.4) * ramp[..., None]
    image += rng.normal(0, rng.uniform(0, 10), image.shape)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def export_textures(root: Union[str, Path],
                    num_train: int = 2000,
                    num_val: int = 500,
                    seed: int = 0) -> Path:
    """Draw the textures into ``root`` unless a complete export is there
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
        'textures',
        draw_texture,
        len(TEXTURES_CLASSES),
        num_train,
        num_val,
        seed,
        size=TEXTURES_SIZE,
        drawing=TEXTURES_DRAWING)


@DATASETS.register_module()
class TexturesDataset(EmbeddedFolderDataset):
    """The embedded textures data set, drawn on first use.

    Args:
        data_root (str): Folder of the export. Defaults to
            ``'data/textures'``.
        split (str): ``'train'`` (2,000 images) or ``'val'`` (500 images).
        **kwargs: Other arguments of MMClassification's ``CustomDataset``
            (``pipeline``, ``indices``, ...).
    """

    METAINFO = {'classes': TEXTURES_CLASSES}
    export = staticmethod(export_textures)

    def __init__(self,
                 data_root: str = 'data/textures',
                 split: str = 'train',
                 **kwargs) -> None:
        super().__init__(data_root, split, **kwargs)


# Downstream evaluation (classification probes, fine-tuning) runs in MMPretrain's
# scope: the same class answers to ``type='TexturesDataset'`` there.
MMPRETRAIN_DATASETS.register_module(module=TexturesDataset)
