from dataclasses import dataclass
from typing import Dict, List, Optional

import torch


@dataclass
class CleanPass:
    """What the hard pass of a batch needs from its clean pass.

    Attributes:
        losses: The clean pass's losses and figures (``loss_clean``).
        attack_inputs: The attacked views, each (N, C, H, W): the hard
            examples are made from them. In a two-pass training step they are
            leaves that require grad, and the clean loss's backward leaves the
            attack's first-step gradient in their ``.grad``.
        hard_clean_loss: Mean clean loss of the rows that hard examples are
            made from (the denominator of the ``*_ratio`` figures).
    """
    losses: Dict[str, torch.Tensor]
    attack_inputs: List[torch.Tensor]
    hard_clean_loss: Optional[torch.Tensor] = None
