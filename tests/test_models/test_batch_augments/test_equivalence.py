"""The device augmentations give the images of the CPU transforms they replace
(MMSelfSup 1.0.0 / MMCV 2.0.1, BGR uint8) for the same parameters."""
from unittest import mock

import numpy as np
import pytest
import torch
from sklearn.datasets import load_sample_images

from mmselfsup.registry import MODELS, TRANSFORMS


@pytest.fixture(scope='module')
def photos():
    """Six natural BGR crops of scikit-learn's sample photos, 40x48."""
    images = load_sample_images().images
    corners = [(0, 0), (150, 200), (300, 500), (50, 400), (380, 100),
               (200, 300)]
    return [
        np.ascontiguousarray(images[i % 2][y:y + 40, x:x + 48, ::-1])
        for i, (y, x) in enumerate(corners)
    ]


def to_device_batch(bgr_images):
    """BGR uint8 HWC -> RGB float (N, 3, H, W), as the preprocessor sees it."""
    return torch.stack([
        torch.from_numpy(np.ascontiguousarray(img[..., ::-1])).permute(
            2, 0, 1) for img in bgr_images
    ]).float()


def to_bgr(batch, i):
    return batch[i].permute(1, 2, 0).numpy()[..., ::-1].astype(np.float64)


def run_cpu(transform_cfg, img):
    return TRANSFORMS.build(transform_cfg).transform(dict(img=img.copy()))


def all_on(params):
    params = dict(params)
    params['apply'] = torch.ones_like(params['apply'])
    return params


@pytest.mark.parametrize('hue', [0.0, 0.2])
def test_color_jitter_matches_mmselfsup_color_jitter(photos, hue):
    aug = MODELS.build(
        dict(
            type='BatchColorJitter',
            brightness=0.8,
            contrast=0.8,
            saturation=0.8,
            hue=hue,
            prob=0.8))
    params = all_on(aug.sample(len(photos), torch.Generator().manual_seed(3)))
    out = aug.transform(to_device_batch(photos), params)
    jitter_cfg = aug.cpu_transform()['transforms'][0]
    for i, img in enumerate(photos):
        cpu = TRANSFORMS.build(jitter_cfg)
        f = params['factors'][i].tolist()
        cpu.get_params = mock.Mock(return_value=(
            f[0], f[1], f[2], f[3] if hue else None,
            params['order'][i].numpy()))
        expected = cpu.transform(dict(img=img.copy()))['img']
        diff = np.abs(to_bgr(out, i) - expected)
        if hue:
            # PIL rotates hue in 8-bit HSV, with the shift truncated to
            # 1/255 of a turn; here in float.
            assert diff.mean() < 1.5 and np.percentile(diff, 99) <= 4, (
                i, diff.mean(), np.percentile(diff, 99))
        else:
            # PIL's blends, uint8 truncation included: the same pixels.
            assert diff.max() <= 1 and diff.mean() < 0.01, (i, diff.max())


def test_a_sample_not_drawn_keeps_its_pixels(photos):
    aug = MODELS.build(
        dict(type='BatchColorJitter', brightness=0.4, hue=0.1, prob=0.5))
    params = aug.sample(len(photos), torch.Generator().manual_seed(0))
    params['apply'] = torch.tensor([True, False] * 3)
    batch = to_device_batch(photos)
    out = aug.transform(batch, params)
    assert torch.equal(out[1::2], batch[1::2])
    assert not torch.equal(out[0::2], batch[0::2])


def test_grayscale_matches_mmcv_random_grayscale(photos):
    aug = MODELS.build(
        dict(
            type='BatchRandomGrayscale',
            prob=0.2,
            channel_weights=(0.2989, 0.587, 0.114)))
    out = aug.transform(
        to_device_batch(photos),
        dict(apply=torch.ones(len(photos), dtype=torch.bool)))
    cpu_cfg = dict(aug.cpu_transform(), prob=1.0)
    for i, img in enumerate(photos):
        expected = run_cpu(cpu_cfg, img)['img']
        assert expected.shape == img.shape
        diff = np.abs(to_bgr(out, i) - expected)
        assert diff.max() <= 1 and diff.mean() < 0.01


@pytest.mark.parametrize('sigma', [0.1, 0.55, 1.0, 1.45, 2.0])
def test_blur_matches_mmselfsup_random_gaussian_blur(photos, sigma):
    aug = MODELS.build(
        dict(type='BatchGaussianBlur', sigma_min=0.1, sigma_max=2.0, prob=1))
    n = len(photos)
    out = aug.transform(
        to_device_batch(photos),
        dict(
            apply=torch.ones(n, dtype=torch.bool),
            sigma=torch.full((n, ), sigma, dtype=torch.float64)))
    for i, img in enumerate(photos):
        with mock.patch('numpy.random.uniform', return_value=sigma):
            expected = run_cpu(aug.cpu_transform(), img)['img']
        diff = np.abs(to_bgr(out, i) - expected)
        # PIL's three box passes per axis, its fixed-point weights and its
        # rounding after each pass: the same pixels.
        assert diff.max() == 0, (diff.max(), diff.mean())
        if sigma >= 1:
            assert np.abs(expected - img).mean() > 1  # it did blur


def test_blur_draws_each_samples_own_sigma(photos):
    aug = MODELS.build(
        dict(type='BatchGaussianBlur', sigma_min=0.1, sigma_max=2.0, prob=1))
    batch = to_device_batch(photos[:2])
    both = aug.transform(
        batch,
        dict(
            apply=torch.ones(2, dtype=torch.bool),
            sigma=torch.tensor([0.3, 1.8], dtype=torch.float64)))
    for i, sigma in enumerate((0.3, 1.8)):
        alone = aug.transform(
            batch[i:i + 1],
            dict(
                apply=torch.ones(1, dtype=torch.bool),
                sigma=torch.tensor([sigma], dtype=torch.float64)))
        assert torch.equal(both[i], alone[0])


def test_flip_and_solarize_match_their_cpu_transforms(photos):
    batch = to_device_batch(photos)
    on = dict(apply=torch.ones(len(photos), dtype=torch.bool))
    for cfg in (dict(type='BatchRandomFlip', prob=0.5),
                dict(type='BatchRandomSolarize', threshold=128, prob=0.2)):
        aug = MODELS.build(cfg)
        out = aug.transform(batch, on)
        cpu_cfg = dict(aug.cpu_transform(), prob=1.0)
        for i, img in enumerate(photos):
            expected = run_cpu(cpu_cfg, img)['img']
            np.testing.assert_array_equal(to_bgr(out, i), expected)
