"""Random solarisation of a batch, each sample drawn on its own."""
from typing import Dict

import torch

from mmselfsup.registry import MODELS
from .base import BaseBatchAugment


@MODELS.register_module()
class BatchRandomSolarize(BaseBatchAugment):
    """MMSelfSup's ``RandomSolarize`` on a batch: a transformed sample's
    pixels at or above ``threshold`` become ``255 - value``.

    Args:
        threshold (float): Pixel value from which pixels are inverted.
        prob (float): Probability that a sample is solarised.
    """

    def __init__(self, threshold: float = 128, prob: float = 0.5) -> None:
        super().__init__(prob)
        self.threshold = float(threshold)

    def transform(self, images: torch.Tensor,
                  params: Dict[str, torch.Tensor]) -> torch.Tensor:
        if not bool(params['apply'].any()):
            return images
        chosen = self.selected(params, images.device)
        images = images.clone()
        x = images[chosen]
        images[chosen] = torch.where(x < self.threshold, x, 255 - x)
        return images

    def cpu_transform(self) -> dict:
        return dict(
            type='RandomSolarize', threshold=self.threshold, prob=self.prob)

    def extra_repr(self) -> str:
        return f'threshold={self.threshold}, prob={self.prob}'
