"""Weighted k-nearest-neighbour classification of frozen features.

The cheap monitor of self-supervised pre-training (Wu et al., "Unsupervised
Feature Learning via Non-Parametric Instance Discrimination", CVPR 2018): cosine
similarity, the k nearest training features vote with weight ``exp(sim / T)``.
"""
from typing import Iterable

import torch
import torch.nn.functional as F

from .features import extract_features


@torch.no_grad()
def knn_predict(train_feats: torch.Tensor,
                train_labels: torch.Tensor,
                test_feats: torch.Tensor,
                num_classes: int,
                k: int = 200,
                temperature: float = 0.1,
                chunk_size: int = 1024) -> torch.Tensor:
    """Class scores (M, num_classes) of the test features.

    Args:
        train_feats: (N, C) training features (normalised here).
        train_labels: (N,) long labels.
        test_feats: (M, C) features to classify.
        num_classes: Number of classes.
        k: Number of neighbours (clipped to N).
        temperature: Weighting temperature T.
        chunk_size: Test features processed at once (bounds memory).
    """
    train_feats = F.normalize(train_feats.float(), dim=1)
    test_feats = F.normalize(test_feats.float(), dim=1)
    k = min(k, train_feats.size(0))
    scores = []
    for chunk in test_feats.split(chunk_size):
        sim, idx = (chunk @ train_feats.t()).topk(k, dim=1)
        weights = (sim / temperature).exp()
        votes = torch.zeros(chunk.size(0), num_classes, device=chunk.device)
        votes.scatter_add_(1, train_labels[idx], weights)
        scores.append(votes)
    return torch.cat(scores)


def knn_accuracy(train_feats: torch.Tensor,
                 train_labels: torch.Tensor,
                 test_feats: torch.Tensor,
                 test_labels: torch.Tensor,
                 num_classes: int,
                 k: int = 200,
                 temperature: float = 0.1) -> float:
    """Top-1 accuracy (%) of :func:`knn_predict`."""
    pred = knn_predict(train_feats, train_labels, test_feats, num_classes, k,
                       temperature).argmax(dim=1)
    return 100. * (pred == test_labels).float().mean().item()


def knn_eval(model: torch.nn.Module,
             train_loader: Iterable,
             val_loader: Iterable,
             k: int = 200,
             temperature: float = 0.1) -> float:
    """Top-1 (%) of ``val_loader``'s samples by kNN over ``train_loader``'s, on
    the frozen backbone's features (see :func:`extract_features`)."""
    train_x, train_y = extract_features(model, train_loader)
    val_x, val_y = extract_features(model, val_loader)
    num_classes = int(max(train_y.max(), val_y.max())) + 1
    return knn_accuracy(train_x, train_y, val_x, val_y, num_classes, k,
                        temperature)
