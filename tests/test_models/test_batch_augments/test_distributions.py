"""The device augmentations draw their parameters as the CPU transforms they
replace do: probability of application, ranges, order, and every sample on
its own. Many draws with fixed seeds, so each check is deterministic; the
bounds are those of a test at level 1e-4."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from scipy import stats

from conftest import ROOT
from mmselfsup.registry import MODELS, TRANSFORMS

N = 20000
FRAGMENT = osp.join(ROOT, 'configs', '_base_', 'datasets', 'device_aug.py')


def fragment_augments():
    cfg = Config.fromfile(FRAGMENT)
    return [(f'{name}[{i}]', copy.deepcopy(aug))
            for name in ('mocov2_device_augments', 'swav_device_augments')
            for i, aug in enumerate(cfg[name])]


def assert_rate(mask: torch.Tensor, prob: float) -> None:
    rate = mask.float().mean().item()
    assert abs(rate - prob) < 4.5 * np.sqrt(prob * (1 - prob) / len(mask)) + 1e-9


def assert_uncorrelated(a, b) -> None:
    r = np.corrcoef(np.asarray(a, float), np.asarray(b, float))[0, 1]
    assert abs(r) < 4.5 / np.sqrt(len(a)), r


def cpu_of(aug):
    return TRANSFORMS.build(aug.cpu_transform())


@pytest.mark.parametrize('name,cfg', fragment_augments())
def test_probability_of_application_is_the_cpu_transforms(name, cfg):
    aug = MODELS.build(cfg)
    cpu = cpu_of(aug)
    assert aug.prob == cpu.prob
    mask = aug.sample(N, torch.Generator().manual_seed(1))['apply']
    assert_rate(mask, cpu.prob)
    # Sample by sample: independent of the neighbour's draw.
    assert_uncorrelated(mask[1:], mask[:-1])


@pytest.mark.parametrize('strength', [0.4, 0.8])
def test_color_jitter_draws_mmselfsups_factors_and_orders(strength):
    aug = MODELS.build(
        dict(
            type='BatchColorJitter',
            brightness=strength,
            contrast=strength,
            saturation=strength,
            hue=strength / 4,
            prob=0.8))
    cpu = cpu_of(aug).transforms.transforms[0]  # RandomApply -> ColorJitter
    ranges = [cpu.brightness, cpu.contrast, cpu.saturation, cpu.hue]
    assert [list(r) for r in aug.ranges] == [list(r) for r in ranges]
    params = aug.sample(N, torch.Generator().manual_seed(2))
    np.random.seed(2)
    cpu_draws = [cpu.get_params(*ranges) for _ in range(N)]
    cpu_factors = np.array([d[:4] for d in cpu_draws])
    for op in range(4):
        device = params['factors'][:, op].numpy()
        low, high = ranges[op]
        assert low <= device.min() and device.max() <= high
        assert device.min() - low < 0.01 and high - device.max() < 0.01
        assert stats.ks_2samp(device, cpu_factors[:, op]).pvalue > 1e-4
        # Independent of the other factors and of the next sample's.
        assert_uncorrelated(device[1:], device[:-1])
        assert_uncorrelated(device, params['factors'][:, (op + 1) % 4])
    # Orders: the 24 permutations, equally often, as np.random.permutation.
    def counts(orders):
        keys = [tuple(o) for o in orders]
        return np.array([keys.count(p) for p in _permutations()])
    device_counts = counts(params['order'].tolist())
    cpu_counts = counts([d[4].tolist() for d in cpu_draws])
    assert stats.chisquare(device_counts).pvalue > 1e-4
    assert stats.chi2_contingency(np.stack([device_counts,
                                            cpu_counts])).pvalue > 1e-4


def _permutations():
    import itertools
    return list(itertools.permutations(range(4)))


def test_blur_draws_sigma_uniformly_in_the_cpu_transforms_range():
    aug = MODELS.build(
        dict(type='BatchGaussianBlur', sigma_min=0.1, sigma_max=2.0, prob=0.5))
    cpu = cpu_of(aug)
    sigma = aug.sample(N, torch.Generator().manual_seed(3))['sigma'].numpy()
    assert cpu.sigma_min <= sigma.min() and sigma.max() <= cpu.sigma_max
    width = cpu.sigma_max - cpu.sigma_min
    assert stats.kstest(sigma, 'uniform',
                        args=(cpu.sigma_min, width)).pvalue > 1e-4
    assert_uncorrelated(sigma[1:], sigma[:-1])


def test_grayscale_weights_are_the_cpu_transforms_in_rgb_order():
    aug = MODELS.build(
        dict(
            type='BatchRandomGrayscale',
            prob=0.2,
            channel_weights=(0.2989, 0.587, 0.114)))
    cpu = cpu_of(aug)
    assert tuple(cpu.channel_weights) == (0.114, 0.587, 0.2989)
    assert cpu.keep_channels


def test_seeded_draws_repeat_and_differ_between_seeds():
    aug = MODELS.build(
        dict(type='BatchColorJitter', brightness=0.4, hue=0.1, prob=0.8))
    a = aug.sample(64, torch.Generator().manual_seed(5))
    b = aug.sample(64, torch.Generator().manual_seed(5))
    c = aug.sample(64, torch.Generator().manual_seed(6))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a['factors'], c['factors'])


@pytest.mark.parametrize('cfg,match', [
    (dict(type='BatchColorJitter', brightness=-0.1), 'brightness'),
    (dict(type='BatchColorJitter', hue=0.7), 'hue'),
    (dict(type='BatchRandomFlip', prob=1.5), 'prob'),
    (dict(type='BatchGaussianBlur', sigma_min=2.0, sigma_max=0.1), 'sigma'),
    (dict(type='BatchRandomGrayscale', channel_weights=(1, 1)),
     'channel_weights'),
])
def test_bad_parameters_are_named(cfg, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(cfg)
