"""hexa_mm.visualization: the 2-D embeddings (t-SNE, and UMAP when the
optional umap-learn is installed) and what a saved map shows."""
import builtins

import numpy as np
import pytest
import torch
from PIL import Image

from hexa_mm.utils.errors import UserError
from hexa_mm.visualization import (MissingPackageError, embedding_2d,
                                   save_feature_maps, subset_indices,
                                   tsne_embedding, umap_embedding)


def three_clusters(n=60, dim=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(3, dim, generator=g) * 5
    labels = torch.arange(n) % 3
    return centres[labels] + 0.1 * torch.randn(n, dim, generator=g), labels


def nearest_other_has_my_label(points, labels):
    dist = ((points[:, None] - points[None]) ** 2).sum(-1)
    np.fill_diagonal(dist, np.inf)
    return (labels[dist.argmin(1)] == labels).all()


def test_tsne_separates_separable_features_and_is_seeded():
    feats, labels = three_clusters()
    points = tsne_embedding(feats, seed=0)
    assert points.shape == (60, 2)
    np.testing.assert_array_equal(points, tsne_embedding(feats, seed=0))
    assert nearest_other_has_my_label(points, labels.numpy())
    with pytest.raises(ValueError, match='N >= 3'):
        tsne_embedding(feats[:2])
    with pytest.raises(ValueError, match="unknown method 'pca'"):
        embedding_2d(feats, 'pca')


def test_subset_indices():
    assert subset_indices(10, None) is None
    assert subset_indices(10, 20) is None
    index = subset_indices(100, 7, seed=1)
    assert len(set(index)) == 7 and list(index) == sorted(index)


def test_umap_separates_separable_features_and_is_seeded():
    pytest.importorskip('umap')
    feats, labels = three_clusters()
    points = embedding_2d(feats, 'umap', seed=0, n_neighbors=10)
    assert points.shape == (60, 2)
    np.testing.assert_array_equal(points,
                                  umap_embedding(feats, 0, n_neighbors=10))
    assert nearest_other_has_my_label(points, labels.numpy())


def test_umap_without_umap_learn_names_the_package(monkeypatch):
    real_import = builtins.__import__

    def no_umap(name, *args, **kwargs):
        if name == 'umap' or name.startswith('umap.'):
            raise ModuleNotFoundError(f"No module named '{name}'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_umap)
    feats, _ = three_clusters()
    with pytest.raises(MissingPackageError,
                       match="optional package 'umap-learn'.*pip install "
                       'umap-learn') as error:
        embedding_2d(feats, 'umap')
    # A user error (run_cli prints its message alone), and an ImportError.
    assert isinstance(error.value, UserError)
    assert isinstance(error.value, ImportError)


def test_saved_map_shows_each_class_at_its_points(tmp_path):
    g = np.random.default_rng(0)
    points = [g.normal(size=(n, 2)) * 10 for n in (5, 12)]
    labels = [np.repeat([0, 1, 2], [1, 3, 1]), np.arange(12) % 4]
    drawn = save_feature_maps(
        [('first', points[0], labels[0]), ('second', points[1], labels[1])],
        str(tmp_path / 'maps.png'))
    assert [d['title'] for d in drawn] == ['first', 'second']
    for panel, xy, label in zip(drawn, points, labels):
        assert sorted(panel['points']) == [str(c) for c in np.unique(label)]
        for c in np.unique(label):
            np.testing.assert_array_equal(panel['points'][str(c)],
                                          xy[label == c])
        (x0, x1), (y0, y1) = panel['xlim'], panel['ylim']
        assert x0 < xy[:, 0].min() and xy[:, 0].max() < x1
        assert y0 < xy[:, 1].min() and xy[:, 1].max() < y1
        # The axes frame the points, not a far larger range.
        assert x1 - x0 < 1.5 * np.ptp(xy[:, 0])
        assert y1 - y0 < 1.5 * np.ptp(xy[:, 1])
    # Two panels side by side (4.6 x 5.0 inches each at 110 dpi).
    assert Image.open(tmp_path / 'maps.png').size == (int(2 * 4.6 * 110),
                                                      int(5.0 * 110))
