"""DeviceAugDataPreprocessor: per-view augmentation, normalisation, seeded and
resumable randomness, ranks, and what HEXA reads from it."""
import copy
import os.path as osp
from unittest import mock

import pytest
import torch
from mmengine.config import Config

from conftest import ROOT
from hexa_mm.models.utils.pixel_space import pixel_bounds
from mmselfsup.registry import MODELS

FRAGMENT = osp.join(ROOT, 'configs', '_base_', 'datasets', 'device_aug.py')
MEAN = (123.675, 116.28, 103.53)
STD = (58.395, 57.12, 57.375)


def preprocessor_cfg(num_views=(2, 6), seed=0):
    augments = Config.fromfile(FRAGMENT).swav_device_augments
    return dict(
        type='DeviceAugDataPreprocessor',
        mean=MEAN,
        std=STD,
        bgr_to_rgb=True,
        num_views=list(num_views),
        view_augments=[copy.deepcopy(augments) for _ in num_views],
        seed=seed)


def multi_crop_batch(n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    views = [torch.randint(0, 256, (n, 3, 24, 24), generator=g,
                           dtype=torch.uint8)] * 2
    views += [torch.randint(0, 256, (n, 3, 12, 12), generator=g,
                            dtype=torch.uint8)] * 6
    return dict(inputs=views, data_samples=[None] * n)


def test_views_keep_their_shapes_and_each_view_draws_its_own():
    pre = MODELS.build(preprocessor_cfg())
    batch = multi_crop_batch()
    views, samples = pre(batch, True)
    assert [tuple(v.shape) for v in views] == [
        tuple(v.shape) for v in batch['inputs']]
    assert samples == [None] * 4
    # The same crop in two views (and in the six small ones) is augmented
    # differently: every view of every sample has its own parameters.
    assert not torch.equal(views[0], views[1])
    small = torch.stack(views[2:])
    assert all(not torch.equal(small[i], small[j]) for i in range(6)
               for j in range(i))


def test_without_training_it_only_normalises_like_mmselfsup():
    pre = MODELS.build(preprocessor_cfg())
    plain = MODELS.build(
        dict(type='SelfSupDataPreprocessor', mean=MEAN, std=STD,
             bgr_to_rgb=True))
    batch = multi_crop_batch()
    for ours, theirs in zip(pre(batch, False)[0], plain(batch, False)[0]):
        assert torch.equal(ours, theirs)


def test_augmented_values_are_normalised_pixels():
    pre = MODELS.build(preprocessor_cfg())
    views, _ = pre(multi_crop_batch(), True)
    low, high, _ = pixel_bounds(pre, views[0])  # what HEXA's attack reads
    for view in views:
        pixels = view * pre.std + pre.mean
        assert torch.allclose(pixels, pixels.round(), atol=1e-3)
        assert (view >= low - 1e-5).all() and (view <= high + 1e-5).all()


def test_a_seed_repeats_and_other_seeds_or_ranks_differ():
    batch = multi_crop_batch()
    first = MODELS.build(preprocessor_cfg(seed=7))(batch, True)[0]
    again = MODELS.build(preprocessor_cfg(seed=7))(batch, True)[0]
    other = MODELS.build(preprocessor_cfg(seed=8))(batch, True)[0]
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    assert not torch.equal(first[0], other[0])
    module = 'hexa_mm.models.data_preprocessors.device_aug_data_preprocessor'
    with mock.patch(f'{module}.get_rank', return_value=1):
        rank1 = MODELS.build(preprocessor_cfg(seed=7))(batch, True)[0]
    assert not torch.equal(first[0], rank1[0])


def _torch_load(module, state):
    module.load_state_dict(state)


def _mmengine_load(module, state):
    # What the Runner's resume uses: MMEngine's own recursive loader.
    from mmengine.runner.checkpoint import load_state_dict
    load_state_dict(module, state, strict=True)


@pytest.mark.parametrize('load', [_torch_load, _mmengine_load])
def test_a_resumed_preprocessor_draws_what_the_uninterrupted_one_would(load):
    batches = [multi_crop_batch(seed=s) for s in range(3)]
    running = MODELS.build(preprocessor_cfg(seed=3))
    running(batches[0], True)
    state = copy.deepcopy(running.state_dict())
    assert int(state['aug_draws']) == 1
    expected = [running(b, True)[0] for b in batches[1:]]
    resumed = MODELS.build(preprocessor_cfg(seed=99))
    resumed(batches[0], True)  # its own draws, then the checkpoint's state
    load(resumed, state)
    for batch, want in zip(batches[1:], expected):
        got = resumed(batch, True)[0]
        assert all(torch.equal(a, b) for a, b in zip(got, want))


def test_the_seed_comes_from_torchs_global_generator_by_default():
    torch.manual_seed(11)
    a = MODELS.build(preprocessor_cfg(seed=None))
    torch.manual_seed(11)
    b = MODELS.build(preprocessor_cfg(seed=None))
    assert int(a.aug_seed) == int(b.aug_seed)


def test_bad_configs_are_named():
    with pytest.raises(ValueError, match='bgr_to_rgb'):
        MODELS.build(dict(preprocessor_cfg(), bgr_to_rgb=False))
    with pytest.raises(ValueError, match='num_views'):
        MODELS.build(dict(preprocessor_cfg(), num_views=[2]))
    pre = MODELS.build(preprocessor_cfg(num_views=(2, )))
    with pytest.raises(ValueError, match='8 views.*num_views=\\[2\\]'):
        pre(multi_crop_batch(), True)
