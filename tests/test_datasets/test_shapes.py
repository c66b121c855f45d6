"""The embedded shapes (hexa_mm.datasets.shapes): what only this drawn set
promises (test_drawn_sets.py holds what it shares with the textures): one
outline a class, large and nearly upright shapes, and one input side in the
module and its configs."""
import numpy as np
import pytest

from hexa_mm.datasets import SHAPES_CLASSES, draw_shape, shapes
from hexa_mm.datasets.shapes import SHAPES_RADIUS, SHAPES_TILT


def test_every_class_draws_a_different_outline():
    """The same draws (place, size, angle, colours, noise) for every class:
    only the outline differs, so no two classes draw one image."""
    images = [draw_shape(label, np.random.default_rng(5)).tobytes()
              for label in range(len(SHAPES_CLASSES))]
    assert len(set(images)) == len(SHAPES_CLASSES)


class _Noiseless:
    """A generator that draws as ``rng`` does but adds no pixel noise."""

    def __init__(self, rng):
        self._rng = rng

    def __getattr__(self, name):
        return getattr(self._rng, name)

    def normal(self, loc, scale, size):
        return np.zeros(size)


def _footprints(label, monkeypatch, draws=40):
    """Pixels of the shape of ``label`` over ``draws`` draws at 128x128, on a
    black background without noise (the shape's colour is >= 80 in some
    channel)."""
    monkeypatch.setattr(shapes, '_background', lambda rng, size: (np.zeros(
        (size, size, 3)), (np.zeros(3), np.zeros(3))))
    for seed in range(draws):
        rng = _Noiseless(np.random.default_rng(seed))
        image = draw_shape(label, rng, size=128)
        yield image.max(-1) > 40


def test_shapes_are_large(monkeypatch):
    for mask in _footprints(SHAPES_CLASSES.index('circle'), monkeypatch):
        low, high = SHAPES_RADIUS
        assert 0.97 * np.pi * low**2 <= mask.mean() <= 1.03 * np.pi * high**2


def test_shapes_are_nearly_upright(monkeypatch):
    """A square tilted by t fills 1 / (cos t + sin t)**2 of its bounding box:
    1 upright, 1/2 at 45 degrees."""
    t = np.deg2rad(SHAPES_TILT)
    for mask in _footprints(SHAPES_CLASSES.index('square'), monkeypatch):
        ys, xs = np.nonzero(mask)
        box = (np.ptp(ys) + 1) * (np.ptp(xs) + 1)
        assert box / mask.sum() <= 1.02 * (np.cos(t) + np.sin(t))**2


@pytest.mark.parametrize('config', ['mocov2_r18_shapes.py',
                                    'deepclusterv2_r18_shapes.py'])
def test_eval_pipeline_size_is_the_configs_input_size(config):
    """hexa_mm.datasets.SHAPES_INPUT_SIZE (the evaluation pipeline), the
    configs' training crops and the online probe's pipeline are one number,
    and one pipeline, written several times."""
    import os.path as osp

    from mmengine.config import Config

    from hexa_mm.datasets import SHAPES_EVAL_PIPELINE, SHAPES_INPUT_SIZE
    root = osp.join(osp.dirname(__file__), '..', '..', 'configs')
    cfg = Config.fromfile(osp.join(root, config))
    views = cfg.train_dataloader.dataset.pipeline[1]
    assert {group[0]['size'] for group in views.transforms} == {
        SHAPES_INPUT_SIZE}
    resize, = [t for t in SHAPES_EVAL_PIPELINE if t['type'] == 'Resize']
    assert resize['scale'] == (SHAPES_INPUT_SIZE, SHAPES_INPUT_SIZE)
    probe, = [h for h in cfg.custom_hooks
              if h.type == 'OnlineLinearProbeHook']
    assert probe.val_dataset.pipeline == SHAPES_EVAL_PIPELINE
