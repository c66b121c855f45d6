"""What a hard-example generator hands back to the algorithm.

HEXA (Li et al., "Self-supervised Pre-training with Hard Examples Improves Visual
Representations", arXiv 2012.13493) sees self-supervised pre-training as predicting
pseudo-labels made from the data, and adds views whose pseudo-labels are hard to
predict. A generator needs a batch of (normalised) views and, to attack them,
``loss_fn(images) -> Tensor[N]``, each sample's pseudo-label loss under the
current model. It returns :class:`HardExamples`.
"""
from dataclasses import dataclass
from typing import Callable, Optional

import torch

#: ``loss_fn(images)`` returns the pseudo-label loss of each sample, shape (N,).
PseudoLabelLoss = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class HardExamples:
    """Hard images and how their pseudo-labels mix.

    Attributes:
        inputs: Hard images, shape (N, C, H, W); never the clean batch itself.
        partner: For cut-mixed images, ``partner[i]`` is the sample whose box
            was pasted into image ``i``; None when pseudo-labels are
            unchanged (adversarial images).
        lam: Weight of each image's own pseudo-label (``1 - lam`` goes to its
            partner's); None when pseudo-labels are unchanged.
    """
    inputs: torch.Tensor
    partner: Optional[torch.Tensor] = None
    lam: Optional[float] = None
