"""t-SNE maps of a backbone's features, coloured by label.

What MMSelfSup's ``tools/analysis_tools/visualize_tsne.py`` gives, for any
checkpoint of a pre-training config and any labelled data set: the frozen
backbone (eval mode) embeds a sample of the images (globally pooled last
stage, :func:`~hexa_mm.evaluation.extract_features`), t-SNE (van der Maaten
and Hinton, JMLR 2008; scikit-learn's) maps the L2-normalised features to the
plane, and each point takes its label's colour. Classes that form separate
clusters are what a linear probe and kNN find easy.
"""
import io
import textwrap
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch.utils.data import Dataset

from ..evaluation import extract_features, sequential_loader
from ..utils.atomic_io import atomic_write_bytes

#: (title, points (N, 2), labels (N,)) of one map.
Panel = Tuple[str, np.ndarray, np.ndarray]


def tsne_embedding(features: Union[torch.Tensor, np.ndarray],
                   seed: int = 0,
                   perplexity: float = 30.) -> np.ndarray:
    """2-D t-SNE coordinates (N, 2) of the L2-normalised ``features``
    (cosine geometry, as kNN scores them). PCA initialisation and a fixed
    ``seed``: the same features give the same map."""
    # Imported here: scikit-learn costs every process importing hexa_mm.
    from sklearn.manifold import TSNE
    feats = torch.as_tensor(np.asarray(features), dtype=torch.float64)
    if feats.ndim != 2 or feats.size(0) < 3:
        raise ValueError('tsne_embedding: expected (N, C) features with N >= '
                         f'3, got shape {tuple(feats.shape)}')
    feats = torch.nn.functional.normalize(feats, dim=1).numpy()
    # t-SNE needs perplexity < N.
    perplexity = min(perplexity, (feats.shape[0] - 1) / 3)
    return TSNE(n_components=2, perplexity=perplexity, init='pca',
                random_state=seed).fit_transform(feats)


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
                           num_workers: int = 0
                           ) -> Tuple[np.ndarray, np.ndarray]:
    """t-SNE points (N, 2) and labels (N,) of ``model``'s backbone features
    on ``dataset`` (see :func:`embed_features`)."""
    feats, labels = embed_features(model, dataset, max_samples, seed,
                                   batch_size, num_workers)
    return tsne_embedding(feats, seed, perplexity), labels.numpy()


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


def save_feature_maps(panels: Sequence[Panel],
                      path: str,
                      class_names: Optional[Sequence[str]] = None,
                      columns: int = 3) -> str:
    """One figure, one t-SNE panel per entry of ``panels``, a shared legend;
    written atomically (PNG) to ``path``."""
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
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=110)
    plt.close(fig)
    atomic_write_bytes(buffer.getvalue(), path)
    return path


def save_feature_map(title: str, points: np.ndarray, labels: np.ndarray,
                     path: str,
                     class_names: Optional[Sequence[str]] = None) -> str:
    """:func:`save_feature_maps` with one panel."""
    return save_feature_maps([(title, points, labels)], path, class_names)
