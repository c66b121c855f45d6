import copy

import numpy as np
import pytest
import torch

from hexa_mm.models.hard_examples import CutMixGenerator
from mmselfsup.registry import MODELS


def constant_images(n=8, size=16):
    """Image i is filled with the value i, so every pixel tells its source."""
    return torch.arange(n, dtype=torch.float).view(n, 1, 1, 1).expand(
        n, 3, size, size).clone()


def test_lam_equals_the_unpasted_area_fraction():
    gen = CutMixGenerator(alpha=1.0, seed=0)
    images = constant_images()
    seen_partial = False
    for _ in range(20):
        out = gen(images)
        for i in range(images.size(0)):
            own = (out.inputs[i, 0] == i).float().mean().item()
            j = int(out.partner[i])
            if j == i:
                assert own == 1.0
                continue
            pasted = (out.inputs[i, 0] == j).float().mean().item()
            assert own == pytest.approx(out.lam, abs=1e-6)
            assert pasted == pytest.approx(1 - out.lam, abs=1e-6)
            seen_partial |= 0 < out.lam < 1
    assert seen_partial


def test_the_clean_batch_is_never_written():
    images = constant_images()
    before = images.clone()
    out = CutMixGenerator(seed=1)(images)
    assert torch.equal(images, before)
    assert out.inputs.data_ptr() != images.data_ptr()


def test_global_numpy_state_is_untouched_and_draws_are_reproducible():
    np.random.seed(123)
    expected_next = np.random.rand()
    np.random.seed(123)
    a, b = CutMixGenerator(seed=5), CutMixGenerator(seed=5)
    outs_a = [a(constant_images()) for _ in range(3)]
    outs_b = [b(constant_images()) for _ in range(3)]
    assert np.random.rand() == expected_next
    for x, y in zip(outs_a, outs_b):
        assert x.lam == y.lam
        assert torch.equal(x.partner, y.partner)
        assert torch.equal(x.inputs, y.inputs)


def test_random_state_travels_in_the_state_dict():
    gen = CutMixGenerator(seed=7)
    gen(constant_images())
    state = copy.deepcopy(gen.state_dict())  # what a checkpoint holds
    expected = [gen(constant_images()) for _ in range(3)]
    resumed = CutMixGenerator(seed=99)
    resumed.load_state_dict(state)
    for want in expected:
        got = resumed(constant_images())
        assert got.lam == want.lam and torch.equal(got.partner, want.partner)
    # Plain tensors only: loadable with torch.load(weights_only=True) and
    # broadcast by MMEngine like any buffer.
    assert set(state) == {'seed', 'draws'}
    assert all(isinstance(v, torch.Tensor) for v in state.values())


def test_ranks_draw_differently_from_the_same_state(monkeypatch):
    import hexa_mm.models.hard_examples.cutmix as cutmix_module
    rank0 = CutMixGenerator(seed=3)(constant_images(16))
    monkeypatch.setattr(cutmix_module, 'get_rank', lambda: 1)
    rank1 = CutMixGenerator(seed=3)(constant_images(16))
    assert not torch.equal(rank0.partner, rank1.partner)


def test_default_seed_is_the_runs_seed_and_draws_nothing_global():
    """seed=None reads the seed that the run set (torch.manual_seed, which
    MMEngine's randomness.seed calls) without drawing: torch's global state
    is as it was, so a HEXA model and its baseline built at one seed start
    from the same weights."""
    torch.manual_seed(1234)
    before = torch.get_rng_state()
    gen = CutMixGenerator()
    assert torch.equal(torch.get_rng_state(), before)
    assert int(gen.seed) == 1234
    images = torch.rand(8, 3, 16, 16)
    torch.manual_seed(1234)
    same = CutMixGenerator()(images)
    again = gen(images)
    torch.testing.assert_close(same.inputs, again.inputs)
    torch.manual_seed(99)
    assert not torch.equal(CutMixGenerator()(images).inputs, again.inputs)


def test_builds_from_registry_and_rejects_bad_alpha():
    assert isinstance(MODELS.build(dict(type='CutMixGenerator')), CutMixGenerator)
    with pytest.raises(ValueError, match='alpha'):
        CutMixGenerator(alpha=0)
