from typing import Optional

import torch
from mmengine.model import BaseModule

from mmselfsup.registry import MODELS
from ..losses import prototype_cross_entropy


@MODELS.register_module()
class MultiPrototypeHead(BaseModule):
    """DeepCluster-v2's frozen prototype heads.

    From `Unsupervised Learning of Visual Features by Contrasting Cluster
    Assignments <https://arxiv.org/abs/2006.09882>`_ (Caron et al., DeepCluster-v2):
    ``num_heads`` sets of ``num_prototypes`` prototypes, each set to the centroids
    of a k-means of the memory bank at every epoch start and never trained. They
    are buffers, not parameters, so no optimizer step can move them and they
    travel in checkpoints.

    Args:
        num_heads (int): Number of clusterings (ImageNet: 3).
        num_prototypes (int): Clusters per head (ImageNet: 3000).
        feat_dim (int): Embedding dimension (128).
        temperature (float): Softmax temperature. Defaults to 0.1.
        init_cfg (dict, optional): Unused.
    """

    def __init__(self,
                 num_heads: int = 3,
                 num_prototypes: int = 3000,
                 feat_dim: int = 128,
                 temperature: float = 0.1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_heads < 1 or num_prototypes < 2:
            raise ValueError(
                f'MultiPrototypeHead: num_heads={num_heads} must be >= 1 and '
                f'num_prototypes={num_prototypes} >= 2')
        self.num_heads = num_heads
        self.num_prototypes = num_prototypes
        # MMSelfSup's DeepCluster reads the head's class count.
        self.num_classes = num_prototypes
        self.temperature = temperature
        self.register_buffer('prototypes',
                             torch.zeros(num_heads, num_prototypes, feat_dim))

    def forward(self, embeddings: torch.Tensor,
                targets: torch.Tensor) -> torch.Tensor:
        """Per-sample loss (N,) of embeddings (N, D) against targets (H, N)."""
        return prototype_cross_entropy(embeddings, self.prototypes, targets,
                                       self.temperature)
