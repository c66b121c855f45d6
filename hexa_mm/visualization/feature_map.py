"""2-D maps (t-SNE or UMAP) of a backbone's features, coloured by label.

What MMSelfSup's ``tools/analysis_tools/visualize_tsne.py`` gives, for any
checkpoint of a pre-training config and any labelled data set, with UMAP
beside t-SNE as solo-learn offers: the frozen backbone (eval mode) embeds a
sample of the images (globally pooled last stage,
:func:`~hexa_mm.evaluation.extract_features`), t-SNE (van der Maaten and
Hinton, JMLR 2008; scikit-learn's) or UMAP (McInnes et al., arXiv
1802.03426; the optional ``umap-learn`` package) maps the L2-normalised
features to the plane, and each point takes its label's colour. Classes that
form separate clusters are what a linear probe and kNN find easy.
"""
import io
import textwrap
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from ..evaluation import extract_features, sequential_loader
from ..utils.atomic_io import atomic_write_bytes
from ..utils.errors import UserError

#: (title, points (N, 2), labels (N,)) of one map.
Panel = Tuple[str, np.ndarray, np.ndarray]
#: The 2-D embeddings, by ``method`` name, and how figures name them.
METHODS = {'tsne': 't-SNE', 'umap': 'UMAP'}
Features = Union[torch.Tensor, np.ndarray]


class MissingPackageError(UserError, ImportError):
    """An optional package that the requested feature needs is not
    installed."""


def _normalised(features: Features, name: str) -> np.ndarray:
    feats = torch.as_tensor(np.asarray(features), dtype=torch.float64)
    if feats.ndim != 2 or feats.size(0) < 3:
        raise ValueError(f'{name}: expected (N, C) features with N >= 3, got '
                         f'shape {tuple(feats.shape)}')
    return torch.nn.functional.normalize(feats, dim=1).numpy()


def tsne_embedding(features: Features,
                   seed: int = 0,
                   perplexity: float = 30.) -> np.ndarray:
    """2-D t-SNE coordinates (N, 2) of the L2-normalised ``features``
    (cosine geometry, as kNN scores them). PCA initialisation and a fixed
    ``seed``: the same features give the same map."""
    # Imported here: scikit-learn costs every process importing hexa_mm.
    from sklearn.manifold import TSNE
    feats = _normalised(features, 'tsne_embedding')
    # t-SNE needs perplexity < N.
    perplexity = min(perplexity, (feats.shape[0] - 1) / 3)
    return TSNE(n_components=2, perplexity=perplexity, init='pca',
                random_state=seed).fit_transform(feats)


def umap_embedding(features: Features,
                   seed: int = 0,
                   n_neighbors: int = 15,
                   min_dist: float = 0.1) -> np.ndarray:
    """2-D UMAP coordinates (N, 2) of the L2-normalised ``features``.

    Needs the optional ``umap-learn`` package (``pip install umap-learn``,
    or the ``umap`` extra of hexa_mm). A fixed ``seed`` makes UMAP run on
    one thread: the same features give the same map.

    Raises:
        MissingPackageError: ``umap-learn`` is not installed.
    """
    try:
        import umap
    except ImportError as error:
        raise MissingPackageError(
            "UMAP maps need the optional package 'umap-learn', which is not "
            'installed: pip install umap-learn (or hexa_mm[umap]), or use '
            "the t-SNE map (method 'tsne')") from error
    feats = _normalised(features, 'umap_embedding')
    # The neighbour graph needs fewer neighbours than points.
    n_neighbors = max(2, min(n_neighbors, feats.shape[0] - 1))
    return umap.UMAP(n_components=2, n_neighbors=n_neighbors,
                     min_dist=min_dist, random_state=seed,
                     n_jobs=1).fit_transform(feats)


def embedding_2d(features: Features,
                 method: str = 'tsne',
                 seed: int = 0,
                 perplexity: float = 30.,
                 n_neighbors: int = 15) -> np.ndarray:
    """2-D coordinates (N, 2) of ``features`` by ``method`` (a key of
    :data:`METHODS`): :func:`tsne_embedding` (``perplexity``) or
    :func:`umap_embedding` (``n_neighbors``)."""
    if method == 'tsne':
        return tsne_embedding(features, seed, perplexity)
    if method == 'umap':
        return umap_embedding(features, seed, n_neighbors)
    raise ValueError(f'embedding_2d: unknown method {method!r}; known: '
                     f'{", ".join(METHODS)}')


def subset_indices(length: int, max_samples: Optional[int],
                   seed: int = 0) -> Optional[np.ndarray]:
    """Sorted random indices of at most ``max_samples`` of ``length``
    samples, or None for all of them."""
    if max_samples is None or length <= max_samples:
        return None
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(length, size=max_samples, replace=False))


def embed_features(model: torch.nn.Module,
                   dataset: Dataset,
                   max_samples: Optional[int] = 1000,
                   seed: int = 0,
                   batch_size: int = 256,
                   num_workers: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """Features and labels of (a seeded random subset of at most
    ``max_samples`` of) ``dataset``, a built MMEngine data set whose
    pipeline packs ``algorithm_keys=['gt_label', 'sample_idx']``."""
    index = subset_indices(len(dataset), max_samples, seed)
    if index is not None:
        dataset = dataset.get_subset(index.tolist())
    return extract_features(
        model, sequential_loader(dataset, batch_size, num_workers))


def feature_map_of_dataset(model: torch.nn.Module,
                           dataset: Dataset,
                           max_samples: Optional[int] = 1000,
                           seed: int = 0,
                           perplexity: float = 30.,
                           batch_size: int = 256,
                           num_workers: int = 0,
                           method: str = 'tsne',
                           n_neighbors: int = 15
                           ) -> Tuple[np.ndarray, np.ndarray]:
    """2-D points (N, 2) by ``method`` and labels (N,) of ``model``'s
    backbone features on ``dataset`` (see :func:`embed_features` and
    :func:`embedding_2d`)."""
    feats, labels = embed_features(model, dataset, max_samples, seed,
                                   batch_size, num_workers)
    return embedding_2d(feats, method, seed, perplexity,
                        n_neighbors), labels.numpy()


def _draw(ax, title: str, points: np.ndarray, labels: np.ndarray,
          class_names: Optional[Sequence[str]] = None) -> None:
    classes = np.unique(labels)
    cmap = 'tab10' if len(classes) <= 10 else 'tab20'
    import matplotlib.pyplot as plt
    colours = plt.get_cmap(cmap)
    for i, c in enumerate(classes):
        mine = labels == c
        name = class_names[c] if class_names is not None else str(c)
        ax.scatter(points[mine, 0], points[mine, 1], s=6,
                   color=colours(i % colours.N), label=name)
    ax.set_title(textwrap.fill(title, 48), fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def drawn_panel(ax) -> Dict[str, object]:
    """What a panel shows, read back from its Matplotlib axes: ``title``,
    ``points`` (legend name -> its drawn (n, 2) coordinates) and the axis
    ranges ``xlim`` and ``ylim``."""
    return dict(
        title=ax.get_title(),
        points={c.get_label(): np.asarray(c.get_offsets())
                for c in ax.collections},
        xlim=tuple(ax.get_xlim()),
        ylim=tuple(ax.get_ylim()))


def save_feature_maps(panels: Sequence[Panel],
                      path: str,
                      class_names: Optional[Sequence[str]] = None,
                      columns: int = 3) -> List[Dict[str, object]]:
    """One figure, one map per entry of ``panels``, a shared legend;
    written atomically (PNG) to ``path``. Returns what each panel shows
    (:func:`drawn_panel`)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    if not panels:
        raise ValueError('save_feature_maps: no panels')
    columns = min(columns, len(panels))
    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns,
                                                     4.4 * rows + 0.6),
                             squeeze=False)
    for ax, (title, points, labels) in zip(axes.flat, panels):
        _draw(ax, title, points, labels, class_names)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis('off')
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc='lower center',
               ncol=min(len(names), 5 * columns), fontsize=7, markerscale=2,
               frameon=False)
    fig.tight_layout(rect=(0, 0.1 / rows, 1, 1))
    drawn = [drawn_panel(ax) for ax in list(axes.flat)[:len(panels)]]
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=110)
    plt.close(fig)
    atomic_write_bytes(buffer.getvalue(), path)
    return drawn


def save_feature_map(title: str, points: np.ndarray, labels: np.ndarray,
                     path: str,
                     class_names: Optional[Sequence[str]] = None
                     ) -> Dict[str, object]:
    """:func:`save_feature_maps` with one panel; returns what it shows."""
    return save_feature_maps([(title, points, labels)], path,
                             class_names)[0]
