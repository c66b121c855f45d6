"""Weighted kNN top-1 on an embedded set (the digits, the shapes), computed
independently of hexa_mm.evaluation: for tests that pin a tool's or a hook's
figure to it."""
import numpy as np
import torch
from mmengine.dataset import default_collate

from hexa_mm.datasets import (DIGITS_EVAL_PIPELINE, SHAPES_EVAL_PIPELINE,
                              DigitsDataset, ShapesDataset)

SETS = dict(digits=(DigitsDataset, DIGITS_EVAL_PIPELINE),
            shapes=(ShapesDataset, SHAPES_EVAL_PIPELINE))


@torch.no_grad()
def digits_features(model, data_root, split, indices=None, batch_size=256,
                    dataset='digits'):
    """Pooled last-stage features (float64) and labels of a split of an
    embedded set (the digits unless ``dataset`` says), in index order, from
    ``model``'s backbone in eval mode."""
    kind, pipeline = SETS[dataset]
    dataset = kind(data_root, split, pipeline=pipeline, indices=indices)
    model.eval()
    feats = []
    for start in range(0, len(dataset), batch_size):
        batch = default_collate([
            dataset[i]
            for i in range(start, min(start + batch_size, len(dataset)))
        ])
        inputs, _ = model.data_preprocessor(batch, False)
        feats.append(model.backbone(inputs[0])[-1].mean(dim=(2, 3)))
    labels = [int(dataset.get_data_info(i)['gt_label'])
              for i in range(len(dataset))]
    return torch.cat(feats).double().numpy(), np.array(labels)


def weighted_knn_top1(train, val, k, temperature):
    """Top-1 (%) of val's samples: the k training samples of highest cosine
    similarity vote for their label with weight exp(similarity / T)."""
    (train_x, train_y), (val_x, val_y) = train, val
    train_x = train_x / np.linalg.norm(train_x, axis=1, keepdims=True)
    val_x = val_x / np.linalg.norm(val_x, axis=1, keepdims=True)
    k = min(k, len(train_y))
    correct = 0
    for x, y in zip(val_x, val_y):
        sim = train_x @ x
        nearest = np.argsort(-sim, kind='stable')[:k]
        votes = np.zeros(int(max(train_y.max(), val_y.max())) + 1)
        np.add.at(votes, train_y[nearest], np.exp(sim[nearest] / temperature))
        correct += int(np.argmax(votes) == y)
    return 100. * correct / len(val_y)


def reference_knn_top1(model, data_root, k, temperature, train_indices=None,
                       val_indices=None, batch_size=256, dataset='digits'):
    """kNN top-1 (%) of ``model``'s backbone: ``val`` classified by ``train``
    (the first ``*_indices`` samples of each when given)."""
    return weighted_knn_top1(
        digits_features(model, data_root, 'train', train_indices, batch_size,
                        dataset),
        digits_features(model, data_root, 'val', val_indices, batch_size,
                        dataset), k, temperature)
