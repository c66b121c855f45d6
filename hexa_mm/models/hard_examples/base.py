"""The contract shared by every hard-example generator.

HEXA (Li et al., "Self-supervised Pre-training with Hard Examples Improves Visual
Representations", arXiv 2012.13493) sees self-supervised pre-training as predicting
pseudo-labels made from the data, and adds views whose pseudo-labels are hard to
predict. A generator therefore needs only two things from an algorithm:

* a batch of (normalised) input images, and
* ``loss_fn(images) -> Tensor[N]``: each sample's pseudo-label loss under the
  current model.

It returns :class:`HardExamples`: new images, and for mixing generators the
partner of each sample and the weight ``lam`` of the sample's own pseudo-label.
The algorithm then trains on the hard images with its own pseudo-labels, mixed by
:meth:`HardExamples.mix` where the generator mixed images.
"""
from dataclasses import dataclass
from typing import Callable, Optional

import torch
from mmengine.model import BaseModule
from torch import nn

#: ``loss_fn(images)`` returns the pseudo-label loss of each sample, shape (N,).
PseudoLabelLoss = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class HardExamples:
    """Hard images and how their pseudo-labels must be mixed.

    Attributes:
        inputs: Hard images, shape (N, C, H, W); never the clean batch itself.
        partner: For mixed images, ``partner[i]`` is the sample whose content was
            pasted into image ``i``; None when pseudo-labels are unchanged.
        lam: Weight of each image's own pseudo-label (``1 - lam`` goes to its
            partner's); None when pseudo-labels are unchanged.
    """
    inputs: torch.Tensor
    partner: Optional[torch.Tensor] = None
    lam: Optional[float] = None

    @property
    def is_mixed(self) -> bool:
        return self.partner is not None

    def mix(self, targets: torch.Tensor) -> torch.Tensor:
        """Mix per-sample soft targets ``(N, ...)`` like the images were mixed."""
        if not self.is_mixed:
            return targets
        return self.lam * targets + (1. - self.lam) * targets[self.partner]


class BaseHardExampleGenerator(BaseModule):
    """Base class of hard-example generators (see the module docstring)."""

    def forward(self,
                inputs: torch.Tensor,
                loss_fn: Optional[PseudoLabelLoss] = None,
                data_preprocessor: Optional[nn.Module] = None,
                model: Optional[nn.Module] = None) -> HardExamples:
        """Make hard examples from ``inputs``.

        Args:
            inputs: Normalised images (N, C, H, W), as the model receives them.
            loss_fn: Per-sample pseudo-label loss under the current model.
            data_preprocessor: The preprocessor that normalised ``inputs``; it
                tells where pixel values 0 and 255 lie.
            model: The module(s) ``loss_fn`` runs, whose BN statistics a
                generator that evaluates ``loss_fn`` must leave untouched.
        """
        raise NotImplementedError
