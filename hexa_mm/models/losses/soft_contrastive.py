"""Contrastive (InfoNCE) loss with soft targets, as pure functions."""
import torch
import torch.nn.functional as F


def soft_contrastive_loss(logits: torch.Tensor, targets: torch.Tensor,
                          temperature: float) -> torch.Tensor:
    """Per-sample cross-entropy between ``softmax(logits / T)`` and soft targets.

    With one-hot targets this is MoCo's InfoNCE loss; with HEXA's cut-mixed queries
    the target puts ``lam`` on the query's own key and ``1 - lam`` on its
    partner's key.

    Args:
        logits: Similarities (N, K), before the temperature.
        targets: Non-negative weights (N, K), each row summing to 1.
        temperature: Softmax temperature T (> 0).

    Returns:
        Tensor: Loss of each sample, shape (N,).
    """
    if logits.shape != targets.shape:
        raise ValueError(f'logits {tuple(logits.shape)} and targets '
                         f'{tuple(targets.shape)} differ in shape')
    log_prob = F.log_softmax(logits.float() / temperature, dim=1)
    return -(targets * log_prob).sum(dim=1)


def mixed_key_targets(partner: torch.Tensor, lam: float,
                      num_columns: int) -> torch.Tensor:
    """Soft targets for cut-mixed queries whose first columns are the batch's keys.

    Query ``i`` was cut-mixed with query ``partner[i]``; its logits' first N
    columns are its similarities to the batch's N keys (the rest, e.g. the queue,
    are negatives). The target is ``lam`` on column ``i`` and ``1 - lam`` on
    column ``partner[i]`` (both add up when ``partner[i] == i``).

    Args:
        partner: (N,) long tensor, the CutMix pairing.
        lam: Weight of each query's own key.
        num_columns: Total number of logit columns (>= N).

    Returns:
        Tensor: Targets of shape (N, num_columns).
    """
    n = partner.numel()
    if num_columns < n:
        raise ValueError(f'num_columns={num_columns} is smaller than the '
                         f'batch size {n}')
    targets = torch.zeros(n, num_columns, device=partner.device)
    rows = torch.arange(n, device=partner.device)
    targets[rows, rows] += lam
    targets[rows, partner] += 1. - lam
    return targets
