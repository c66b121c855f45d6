"""Random horizontal flip of a batch, each sample drawn on its own."""
from typing import Dict

import torch

from mmselfsup.registry import MODELS
from .base import BaseBatchAugment


@MODELS.register_module()
class BatchRandomFlip(BaseBatchAugment):
    """MMCV's ``RandomFlip(prob, direction='horizontal')`` on a batch.

    Args:
        prob (float): Probability that a sample is mirrored left to right.
    """

    def transform(self, images: torch.Tensor,
                  params: Dict[str, torch.Tensor]) -> torch.Tensor:
        if not bool(params['apply'].any()):
            return images
        chosen = self.selected(params, images.device)
        images = images.clone()
        images[chosen] = images[chosen].flip(-1)
        return images

    def cpu_transform(self) -> dict:
        return dict(type='RandomFlip', prob=self.prob)
