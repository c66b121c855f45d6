"""Random grayscale of a batch, each sample drawn on its own."""
from typing import Dict, Sequence

import torch

from mmselfsup.registry import MODELS
from .base import BaseBatchAugment


@MODELS.register_module()
class BatchRandomGrayscale(BaseBatchAugment):
    """MMCV's ``RandomGrayscale(keep_channels=True)`` on a batch.

    A transformed sample becomes the weighted sum of its channels, weights
    divided by their sum, truncated to an integer as MMCV's uint8 cast does,
    in all three channels.

    Args:
        prob (float): Probability that a sample is turned gray.
        channel_weights (sequence of 3 floats): Weights of R, G and B (the
            device works on RGB; MMSelfSup's BGR configs give
            ``(0.114, 0.587, 0.2989)``, i.e. ``(0.2989, 0.587, 0.114)`` here).
    """

    def __init__(self,
                 prob: float = 0.1,
                 channel_weights: Sequence[float] = (1., 1., 1.)) -> None:
        super().__init__(prob)
        if len(channel_weights) != 3 or sum(channel_weights) <= 0:
            raise ValueError(
                'BatchRandomGrayscale: channel_weights='
                f'{tuple(channel_weights)!r} must be 3 weights (R, G, B) '
                'with a positive sum')
        self.channel_weights = tuple(float(w) for w in channel_weights)

    def transform(self, images: torch.Tensor,
                  params: Dict[str, torch.Tensor]) -> torch.Tensor:
        if not bool(params['apply'].any()):
            return images
        chosen = self.selected(params, images.device)
        weights = images.new_tensor(self.channel_weights)
        weights = (weights / weights.sum()).view(1, 3, 1, 1)
        images = images.clone()
        gray = (images[chosen] * weights).sum(1, keepdim=True).floor_()
        images[chosen] = gray.expand(-1, 3, -1, -1)
        return images

    def cpu_transform(self) -> dict:
        return dict(
            type='RandomGrayscale',
            prob=self.prob,
            keep_channels=True,
            channel_weights=self.channel_weights[::-1])

    def extra_repr(self) -> str:
        return f'prob={self.prob}, channel_weights={self.channel_weights}'
