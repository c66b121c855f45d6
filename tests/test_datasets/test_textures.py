"""The embedded textures (hexa_mm.datasets.textures): what only this drawn
set promises (test_drawn_sets.py holds what it shares with the shapes):
patterns that fill the image, classes told apart without their palette, and
configs that train on it with the recipe found."""
import os.path as osp

import numpy as np
import pytest

from hexa_mm.datasets import (TEXTURES_CLASSES, TEXTURES_EVAL_PIPELINE,
                              TEXTURES_INPUT_SIZE, draw_texture)

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs')
TEXTURES_CONFIGS = ['mocov2_r18_textures.py', 'deepclusterv2_r18_textures.py']


def test_every_class_draws_a_pattern_that_fills_the_image():
    """A texture, not an object: each class shows contrast (its palette's two
    colours, >= 80 apart in some channel) in every quarter of the image."""
    for label in range(len(TEXTURES_CLASSES)):
        for seed in range(5):
            image = draw_texture(label, np.random.default_rng([seed, label]))
            assert image.shape == (32, 32, 3) and image.dtype == np.uint8
            for quarter in (image[:16, :16], image[:16, 16:], image[16:, :16],
                            image[16:, 16:]):
                spread = np.ptp(quarter.reshape(-1, 3).astype(int), 0).max()
                assert spread > 25, (TEXTURES_CLASSES[label], seed)


def _describe(image):
    """Palette- and orientation-free statistics of a texture: its radial
    power spectrum (scale), how much of its power lies along one direction
    (orientation, doubled angle), and the histogram of its grey levels'
    distance from their median (thin lines, discs or blobs; either polarity)."""
    freq = np.fft.fftfreq(32)
    fy, fx = np.meshgrid(freq, freq, indexing='ij')
    radius, angle = np.hypot(fy, fx), np.arctan2(fy, fx)
    grey = image.astype(float).mean(-1)
    power = np.abs(np.fft.fft2(grey - grey.mean()))**2
    power /= power.sum()
    bins = np.digitize(radius, np.linspace(0, 0.71, 12))
    profile = np.bincount(bins.ravel(), power.ravel(), 13)[1:]
    anisotropy = np.abs((power * np.exp(2j * angle)).sum())
    level = (grey - grey.min()) / max(np.ptp(grey), 1e-6)
    hist = np.histogram(np.abs(level - np.median(level)), 6, (0, 1))[0]
    return np.concatenate(
        [np.log(profile + 1e-4), [5 * anisotropy], 5 * hist / level.size])


def test_classes_are_told_apart_without_their_palette():
    """The labels are in the pixels, in a form no palette, light or angle
    hides: a nearest-centroid rule on :func:`_describe` beats chance (0.1)
    by far on fresh draws (0.74 with drawing 2), though not perfectly: the
    scales of the classes overlap on purpose."""

    def features(seeds):
        return np.array([[
            _describe(draw_texture(label, np.random.default_rng([seed,
                                                                 label])))
            for seed in seeds
        ] for label in range(10)])

    train, test = features(range(30)), features(range(100, 120))
    centroids = train.mean(1)
    guess = np.argmin(
        ((test[:, :, None] - centroids[None, None])**2).sum(-1), -1)
    assert (guess == np.arange(10)[:, None]).mean() > 0.5


@pytest.mark.parametrize('config', TEXTURES_CONFIGS)
def test_configs_train_on_the_set_with_the_recipe_found(config):
    """The configs' training crops, their online probe (on the validation
    textures, with the module's evaluation pipeline) and the module's input
    side are one number; the recipe is the one the search on the selection
    seeds kept (docs/experiments/textures.md): 100 epochs, crops of >= 60%,
    MoCo-v2's full colour jitter, DeepCluster-v2's two 16-pixel crops and
    3 heads x 50 prototypes."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(CONFIGS, config))
    dataset = cfg.train_dataloader.dataset
    assert (dataset.type, dataset.split) == ('TexturesDataset', 'train')
    views = dataset.pipeline[1]
    assert views.num_views == 2 and len(views.transforms) == 1
    crop, jitter, grey = views.transforms[0]
    assert (crop.size, crop.scale) == (TEXTURES_INPUT_SIZE, (0.6, 1.))
    assert jitter.transforms == [
        dict(type='ColorJitter', brightness=0.4, contrast=0.4,
             saturation=0.4, hue=0.1)
    ]
    assert (jitter.prob, grey.type, grey.prob) == (0.8, 'RandomGrayscale',
                                                   0.2)
    probe, = [h for h in cfg.custom_hooks
              if h.type == 'OnlineLinearProbeHook']
    assert (probe.val_dataset.type, probe.val_dataset.split) == (
        'TexturesDataset', 'val')
    assert probe.val_dataset.pipeline == TEXTURES_EVAL_PIPELINE
    assert cfg.train_cfg.max_epochs == 100
    assert [(s.T_max, s.end) for s in cfg.param_scheduler] == [(100, 100)]
    if 'num_samples' in cfg.model:  # DeepCluster-v2
        assert cfg.model.num_samples == 2000
        assert (cfg.model.head.num_heads,
                cfg.model.head.num_prototypes) == (3, 50)


def test_a_palette_is_two_shades_of_one_hue():
    """Drawing 2: the pattern shows as light and dark of one hue, not as two
    unrelated colours (with those, MoCo-v2 learned the colours, not the
    textures: docs/experiments/textures.md)."""
    import colorsys

    from hexa_mm.datasets import textures
    for seed in range(50):
        shades = textures._palette(np.random.default_rng(seed))
        (h1, s1, v1), (h2, s2, v2) = (colorsys.rgb_to_hsv(*(c / 255))
                                      for c in shades)
        assert abs(v1 - v2) >= textures._VALUE_GAP
        assert min(abs(h1 - h2), 1 - abs(h1 - h2)) < 1e-6


@pytest.mark.parametrize('config', TEXTURES_CONFIGS)
def test_configs_are_the_shapes_configs_on_another_set(config):
    """The recipe search kept the shapes recipe: a textures config differs
    from its shapes config in the data set it trains and probes on only."""
    from mmengine.config import Config
    textures = Config.fromfile(osp.join(CONFIGS, config)).to_dict()
    shapes = Config.fromfile(
        osp.join(CONFIGS, config.replace('_textures', '_shapes'))).to_dict()
    for cfg in (textures, shapes):
        for helper in ('shapes_online_probe', 'textures_online_probe'):
            cfg.pop(helper)
    swapped = dict(type='TexturesDataset', data_root='data/textures')
    shapes['train_dataloader']['dataset'].update(swapped)
    probe, = [h for h in shapes['custom_hooks']
              if h['type'] == 'OnlineLinearProbeHook']
    probe['val_dataset'].update(swapped)
    assert textures == shapes
