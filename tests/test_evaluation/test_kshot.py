import pytest
import torch

from hexa_mm.datasets import class_balanced_indices
from hexa_mm.evaluation import kshot_accuracy, linear_probe_top1, standardize


def clusters(per_class, num_classes=4, dim=16, noise=0.05, seed=0):
    """Features around one centre per class: separable when noise is small."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(num_classes, dim, generator=g) * 3
    labels = torch.arange(num_classes).repeat_interleave(per_class)
    feats = centres[labels] + noise * torch.randn(len(labels), dim, generator=g)
    # Shuffle, so that no result can come from the order of the samples.
    order = torch.randperm(len(labels), generator=g)
    return feats[order], labels[order]


def test_separable_features_score_100_at_every_k():
    train_x, train_y = clusters(per_class=12, seed=0)
    val_x, val_y = clusters(per_class=20, seed=0)
    g = torch.Generator().manual_seed(1)
    val_x = val_x + 0.05 * torch.randn(val_x.shape, generator=g)
    result = kshot_accuracy(train_x, train_y, val_x, val_y, shots=(1, 5, 10),
                            draws=3)
    assert sorted(result) == [1, 5, 10]
    for k, r in result.items():
        assert r['top1'] == [100.0] * 3, k
        assert r['mean'] == 100.0 and r['std'] == 0.0


def test_uninformative_features_score_near_chance():
    g = torch.Generator().manual_seed(0)
    train_x = torch.randn(400, 32, generator=g)
    val_x = torch.randn(400, 32, generator=g)
    train_y = torch.arange(4).repeat(100)
    val_y = torch.arange(4).repeat(100)
    result = kshot_accuracy(train_x, train_y, val_x, val_y, shots=(5, 10), draws=4)
    for r in result.values():
        assert 10 < r['mean'] < 40  # chance: 25%


def test_draws_are_deterministic_and_distinct():
    train_x, train_y = clusters(per_class=30, noise=4.0, seed=2)
    val_x, val_y = clusters(per_class=30, noise=4.0, seed=3)
    a = kshot_accuracy(train_x, train_y, val_x, val_y, shots=(1, ), draws=5)
    b = kshot_accuracy(train_x, train_y, val_x, val_y, shots=(1, ), draws=5)
    assert a == b
    # Noisy features: different draws (seeds 0..4) give different scores.
    assert len(set(a[1]['top1'])) > 1
    assert a[1]['std'] > 0
    assert a[1]['mean'] == pytest.approx(sum(a[1]['top1']) / 5)
    # The seed moves every draw.
    c = kshot_accuracy(train_x, train_y, val_x, val_y, shots=(1, ), draws=5,
                       seed=100)
    assert c[1]['top1'] != a[1]['top1']
    # Draw d uses class_balanced_indices(seed + d): k images of every class.
    idx = class_balanced_indices(train_y.numpy(), per_class=3, seed=1)
    assert torch.bincount(train_y[idx]).tolist() == [3, 3, 3, 3]


def test_standardised_features_ignore_scale_and_offset():
    train_x, train_y = clusters(per_class=30, noise=3.0, seed=4)
    val_x, val_y = clusters(per_class=30, noise=3.0, seed=5)
    a = kshot_accuracy(train_x, train_y, val_x, val_y, shots=(5, ), draws=3)
    b = kshot_accuracy(train_x * 1000 + 7, train_y, val_x * 1000 + 7, val_y,
                       shots=(5, ), draws=3)
    assert a == b


def test_standardize_uses_the_pool_statistics_only():
    g = torch.Generator().manual_seed(0)
    pool = torch.randn(50, 3, generator=g) * torch.tensor([1., 10., 100.]) + 5
    test = torch.randn(7, 3, generator=g)
    pool_z, test_z = standardize(pool, test)
    assert pool_z.dtype == torch.float64
    assert torch.allclose(pool_z.mean(0), torch.zeros(3, dtype=torch.float64),
                          atol=1e-9)
    assert torch.allclose(pool_z.std(0), torch.ones(3, dtype=torch.float64),
                          atol=1e-6)
    expected = (test.double() - pool.double().mean(0)) / (
        pool.double().std(0) + 1e-6)
    assert torch.allclose(test_z, expected)


def test_bad_input_raises():
    train_x, train_y = clusters(per_class=5)
    with pytest.raises(ValueError, match='class 0 has only 5 images'):
        kshot_accuracy(train_x, train_y, train_x, train_y, shots=(1, 6))
    with pytest.raises(ValueError, match='draws=0'):
        kshot_accuracy(train_x, train_y, train_x, train_y, draws=0)
    with pytest.raises(ValueError, match='no shots'):
        kshot_accuracy(train_x, train_y, train_x, train_y, shots=())
    with pytest.raises(ValueError, match='differ in length'):
        kshot_accuracy(train_x, train_y[:-1], train_x, train_y)
    with pytest.raises(ValueError, match='one class only'):
        linear_probe_top1(train_x[:3], torch.zeros(3, dtype=torch.long),
                          train_x, train_y)
