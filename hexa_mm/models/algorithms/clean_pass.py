from dataclasses import dataclass
from typing import Dict, List, Optional

import torch


@dataclass
class CleanPass:
    """What the hard pass of a batch needs from its clean pass.

    Attributes:
        losses: The clean pass's losses and figures (``loss_clean``).
        attack_inputs: The attacked views: hard examples are made from their
            first ``num_hard`` rows. When the attack reuses the clean gradient,
            they are leaves that require grad, and the clean loss's backward
            leaves their input gradient in ``.grad``.
        num_hard: How many rows of each attacked view are made hard.
        hard_clean_loss: Mean clean loss of those rows (for the ``*_gap``
            and ``*_ratio`` figures).
        hard_clean_win: Fraction of those rows whose pseudo-label is the
            model's top prediction (``clean_win``; :meth:`HardExampleMixin.
            record_clean_win`).
    """
    losses: Dict[str, torch.Tensor]
    attack_inputs: List[torch.Tensor]
    num_hard: int
    hard_clean_loss: Optional[torch.Tensor] = None
    hard_clean_win: Optional[torch.Tensor] = None
