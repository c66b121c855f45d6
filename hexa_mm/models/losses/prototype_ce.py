"""DeepCluster-v2's loss: every crop predicts its image's cluster, per head."""
import torch
import torch.nn.functional as F


def prototype_cross_entropy(embeddings: torch.Tensor, prototypes: torch.Tensor,
                            targets: torch.Tensor,
                            temperature: float) -> torch.Tensor:
    """Per-sample cross-entropy against cluster labels, averaged over heads.

    Args:
        embeddings: L2-normalised embeddings (N, D).
        prototypes: Centroids of every head (H, K, D).
        targets: Cluster of each sample in each head (H, N); -1 is ignored.
        temperature: Softmax temperature (DeepCluster-v2: 0.1).

    Returns:
        Tensor: Loss of each sample (N,).
    """
    if targets.shape != (prototypes.size(0), embeddings.size(0)):
        raise ValueError(
            f'targets {tuple(targets.shape)} must be (heads, samples) = '
            f'({prototypes.size(0)}, {embeddings.size(0)})')
    logits = torch.einsum('nd,hkd->hnk', embeddings.float(),
                          prototypes.float()) / temperature
    loss = F.cross_entropy(
        logits.flatten(0, 1), targets.flatten(), ignore_index=-1,
        reduction='none')
    return loss.view_as(targets).mean(dim=0)
