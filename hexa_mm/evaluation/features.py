"""Frozen-backbone features of a labelled data set."""
from typing import Tuple

import torch
from mmengine.dataset import default_collate
from torch.utils.data import DataLoader, Dataset


@torch.no_grad()
def extract_features(model: torch.nn.Module,
                     dataset: Dataset,
                     batch_size: int = 256) -> Tuple[torch.Tensor, torch.Tensor]:
    """Globally average-pooled last backbone output of every sample.

    Args:
        model: A self-supervised algorithm with ``data_preprocessor`` and
            ``backbone`` (BN in eval mode here: running statistics are used).
        dataset: Samples packed by ``PackSelfSupInputs`` with
            ``algorithm_keys=['gt_label']``.
        batch_size: Images per forward.

    Returns:
        tuple: features (N, C) and labels (N,).
    """
    was_training = model.training
    model.eval()
    feats, labels = [], []
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False,
                        collate_fn=default_collate)
    try:
        for data in loader:
            if not all('gt_label' in d for d in data['data_samples']):
                raise KeyError(
                    'extract_features needs labelled samples: pack them with '
                    "PackSelfSupInputs(algorithm_keys=['gt_label'])")
            labels.append(torch.as_tensor(
                [int(d.gt_label.value) for d in data['data_samples']]))
            inputs, _ = model.data_preprocessor(data, False)
            out = model.backbone(inputs[0])[-1]
            feats.append(out.mean(dim=(2, 3)).cpu())
    finally:
        model.train(was_training)
    return torch.cat(feats), torch.cat(labels)
