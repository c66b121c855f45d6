"""Spherical k-means in torch, sharded over ranks with all-reduce.

DeepCluster-v2 (Caron et al., "Unsupervised Learning of Visual Features by
Contrasting Cluster Assignments", NeurIPS 2020, appendix) clusters L2-normalised
embeddings by cosine similarity. Here every rank holds the rows of some global
sample indices; centroid sums and counts are all-reduced, so one process and many
give the same result for the same data and seed (up to float ties), on CPU or GPU,
without faiss.
"""
from typing import Tuple

import torch
import torch.nn.functional as F

from .dist import all_reduce_sum


@torch.no_grad()
def assign_to_centroids(feats: torch.Tensor, centroids: torch.Tensor,
                        chunk_size: int = 8192) -> torch.Tensor:
    """Index of the most similar centroid of each row (N,), in chunks."""
    if feats.size(0) == 0:
        return torch.zeros(0, dtype=torch.long, device=feats.device)
    return torch.cat([(chunk @ centroids.t()).argmax(dim=1)
                      for chunk in feats.split(chunk_size)])


@torch.no_grad()
def spherical_kmeans(feats: torch.Tensor,
                     global_index: torch.Tensor,
                     num_samples: int,
                     num_clusters: int,
                     num_iters: int = 10,
                     seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """Cluster the rows of all ranks together.

    Args:
        feats: This rank's L2-normalised rows (n, D).
        global_index: Their global sample indices (n,); across ranks every index
            in ``[0, num_samples)`` is held exactly once.
        num_samples: Total number of rows over all ranks.
        num_clusters: K (<= num_samples).
        num_iters: Centroid updates (DeepCluster-v2 uses 10).
        seed: Chooses the initial centroids: the rows of K distinct global
            indices drawn from ``seed``, identical with any number of ranks.

    Returns:
        tuple: centroids (K, D), L2-normalised, and the assignment of every
        global index (num_samples,), the same on every rank. An empty cluster
        keeps its previous centroid.
    """
    if num_clusters > num_samples:
        raise ValueError(f'num_clusters={num_clusters} exceeds the number of '
                         f'samples {num_samples}')
    device, dim = feats.device, feats.size(1)
    feats = feats.float()
    generator = torch.Generator().manual_seed(seed)
    init_index = torch.randperm(num_samples, generator=generator)[:num_clusters]
    # Where each chosen global index lives on this rank, if it does.
    slot = torch.full((num_samples, ), -1, dtype=torch.long)
    slot[global_index.cpu()] = torch.arange(global_index.numel())
    local_slot = slot[init_index].to(device)
    held = local_slot >= 0
    centroids = torch.zeros(num_clusters, dim, device=device)
    centroids[held] = feats[local_slot[held]]
    all_reduce_sum(centroids)

    for _ in range(num_iters):
        assignment = assign_to_centroids(feats, centroids)
        sums = torch.zeros(num_clusters, dim, device=device)
        sums.index_add_(0, assignment, feats)
        counts = torch.bincount(assignment, minlength=num_clusters).float()
        all_reduce_sum(sums)
        all_reduce_sum(counts)
        nonempty = counts > 0
        centroids[nonempty] = F.normalize(sums[nonempty], dim=1)

    assignment = assign_to_centroids(feats, centroids)
    full = torch.zeros(num_samples, dtype=torch.long, device=device)
    full[global_index.to(device)] = assignment + 1  # 0: held by another rank
    all_reduce_sum(full)
    return centroids, full - 1
