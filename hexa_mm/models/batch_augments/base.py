"""The contract of a batched view augmentation that runs on the device.

MoCo-v2's and SwAV's view augmentations (colour jitter, grayscale, Gaussian
blur, solarisation, flips) cost most of the CPU time of a pre-training data
pipeline; HEXA (Li et al., arXiv 2012.13493) trains on the same views. Each
augmentation here replaces one CPU transform of MMSelfSup / MMCV, takes a batch
of RGB images as float tensors with integer values in [0, 255] (before
normalisation), draws its own parameters for every sample, and names the CPU
transform it replaces (:meth:`BaseBatchAugment.cpu_transform`), from which the
CPU pipeline is rebuilt on request and against which it is tested.
"""
from typing import Dict

import torch
from torch import nn


class BaseBatchAugment(nn.Module):
    """Base class: ``forward(images, generator)`` = ``transform(images,
    sample(len(images), generator))``.

    Parameters are drawn on the CPU from ``generator`` (the same draws on any
    device) and moved to the images' device, so no draw waits for the device.

    Args:
        prob (float): Probability that a sample is transformed, in [0, 1].
    """

    def __init__(self, prob: float) -> None:
        super().__init__()
        if not 0 <= prob <= 1:
            raise ValueError(
                f'{type(self).__name__}: prob={prob!r} must lie in [0, 1]')
        self.prob = float(prob)

    def _draw_apply(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return torch.rand(n, generator=generator) < self.prob

    def sample(self, n: int,
               generator: torch.Generator) -> Dict[str, torch.Tensor]:
        """Each of ``n`` samples' own parameters, on the CPU; ``apply`` (bool,
        shape (n,)) says which samples are transformed."""
        return dict(apply=self._draw_apply(n, generator))

    def transform(self, images: torch.Tensor,
                  params: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Transform ``images`` (N, 3, H, W), float RGB in [0, 255], with the
        parameters of :meth:`sample`; returns a new tensor or ``images``."""
        raise NotImplementedError

    def cpu_transform(self) -> dict:
        """The MMSelfSup / MMCV transform config (BGR images, uint8) that this
        augmentation replaces, with the same parameters."""
        raise NotImplementedError

    def forward(self, images: torch.Tensor,
                generator: torch.Generator) -> torch.Tensor:
        return self.transform(images, self.sample(images.shape[0], generator))

    @staticmethod
    def selected(params: Dict[str, torch.Tensor],
                 device: torch.device) -> torch.Tensor:
        """Indices (on ``device``) of the samples to transform; computed on the
        CPU, so that indexing never waits for the device."""
        return params['apply'].nonzero().flatten().to(device, non_blocking=True)

    def extra_repr(self) -> str:
        return f'prob={self.prob}'
