"""Frozen-backbone features of a labelled data set, with one process or many."""
from typing import Iterable, Optional, Tuple, Union

import torch
from mmengine.runner import Runner
from torch.utils.data import DataLoader, Dataset

from ..models.utils import gather_rows


def sequential_loader(dataset: Union[dict, Dataset],
                      batch_size: int,
                      num_workers: int = 0,
                      seed: Optional[int] = None) -> DataLoader:
    """Every sample once, in index order, each rank its share: for passes that
    embed a data set rather than train on it (``DefaultSampler`` pads ranks to
    equal length, which :func:`extract_features` undoes)."""
    return Runner.build_dataloader(
        dict(
            dataset=dataset,
            batch_size=batch_size,
            num_workers=num_workers,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate'),
            drop_last=False),
        seed=seed)


@torch.no_grad()
def extract_features(model: torch.nn.Module,
                     loader: Iterable) -> Tuple[torch.Tensor, torch.Tensor]:
    """Globally average-pooled last backbone output of every sample.

    Each rank embeds the batches of its own loader (e.g. a ``DefaultSampler``
    share); the rows of all ranks are gathered and ordered by sample index, each
    sample once (the sampler pads ranks to equal length).

    Args:
        model: A self-supervised algorithm with ``data_preprocessor`` and
            ``backbone``; it runs in eval mode here (BN running statistics).
        loader: Batches packed by ``PackSelfSupInputs`` with
            ``algorithm_keys=['gt_label', 'sample_idx']``.

    Returns:
        tuple: features (N, C) and labels (N,), in sample-index order.
    """
    was_training = model.training
    model.eval()
    feats, labels, index = [], [], []
    try:
        for data in loader:
            samples = data['data_samples']
            if not all('gt_label' in s and 'sample_idx' in s for s in samples):
                raise KeyError(
                    'extract_features needs labelled, indexed samples: pack '
                    "them with PackSelfSupInputs(algorithm_keys=['gt_label', "
                    "'sample_idx'])")
            inputs, samples = model.data_preprocessor(data, False)
            feats.append(model.backbone(inputs[0])[-1].mean(dim=(2, 3)))
            labels.append(torch.cat([s.gt_label.value for s in samples]))
            index.append(torch.cat([
                torch.as_tensor(s.sample_idx.value).flatten() for s in samples
            ]))
    finally:
        model.train(was_training)
    device = feats[0].device
    feats = gather_rows(torch.cat(feats).float())
    labels = gather_rows(torch.cat(labels).to(device))
    index = gather_rows(torch.cat(index).to(device))
    position = torch.full((int(index.max()) + 1, ), -1, dtype=torch.long,
                          device=device)
    position[index] = torch.arange(index.numel(), device=device)
    if (position < 0).any():
        raise RuntimeError('extract_features: the loaders skipped samples '
                           f'{(position < 0).nonzero().flatten()[:5].tolist()}')
    return feats[position].cpu(), labels[position].cpu()
