import torch
import torch.nn.functional as F

from mmselfsup.models.heads import ContrastiveHead
from mmselfsup.registry import MODELS
from ..losses import soft_contrastive_loss


@MODELS.register_module()
class SoftContrastiveHead(ContrastiveHead):
    """MMSelfSup's :class:`ContrastiveHead` that also takes soft (mixed) targets.

    ``forward(pos, neg)`` is the parent's, unchanged, so MoCo-v2's loss is
    reproduced exactly. HEXA (Li et al., arXiv 2012.13493) adds per-sample
    losses, which the adversarial attack maximises, and a soft-target loss for
    cut-mixed queries (:func:`soft_contrastive_loss`).

    Args:
        loss (dict): Config of the (mean) loss used by ``forward``.
        temperature (float): Softmax temperature. Defaults to 0.1.
    """

    def per_sample(self, pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
        """InfoNCE loss of each sample (N,), positive in column 0."""
        logits = torch.cat((pos, neg), dim=1).float() / self.temperature
        labels = torch.zeros(pos.size(0), dtype=torch.long, device=pos.device)
        return F.cross_entropy(logits, labels, reduction='none')

    def soft(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Soft-target loss of each sample (N,); see
        :func:`soft_contrastive_loss`."""
        return soft_contrastive_loss(logits, targets, self.temperature)
