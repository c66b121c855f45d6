"""Split BatchNorm: a batch normalised as ``num_splits`` sub-batches.

MoCo (He et al., CVPR 2020, Sec. 3.3) shuffles the keys across GPUs so that the
BN statistics of a query's sub-batch and of its key's sub-batch come from
different images: otherwise the statistics leak which key is the positive and
the network "cheats" the pretext task. In one process there is nothing to
shuffle across; MoCo's authors answered with a BN that computes its statistics
over sub-batches, as if the batch were spread over several GPUs
(``SplitBatchNorm`` of facebookresearch/moco's CIFAR colab). Together with the
one-process ``batch_shuffle`` (a permutation of the whole batch before the key
encoder), each key sub-batch then holds other images than the query sub-batch
at the same position, as with shuffle BN over ``num_splits`` GPUs.
"""
import torch
import torch.nn.functional as F
from mmengine.registry import MODELS
from torch import nn

from ... import compat


# Registered into MMEngine's root registry, which mmcv's build_norm_layer
# searches from every scope (mmselfsup, mmcls, mmpretrain, mmdet), so that
# ``norm_cfg=dict(type='SplitBN', num_splits=8)`` works in their backbones and
# necks. A _BatchNorm subclass: layers are named ``bn*`` and checkpoints keep
# plain BN's keys.
@MODELS.register_module('SplitBN')
class SplitBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training-mode statistics are those of ``num_splits``
    contiguous sub-batches: rows ``[r * N / k, (r + 1) * N / k)`` form split
    ``r``, what rank ``r`` of ``k`` processes holds of a gathered batch.

    In eval mode (or with ``num_splits=1``) it is ``nn.BatchNorm2d``.

    Running statistics: each split updates its own copy, as ``k`` processes'
    BN layers would, and the layer keeps their mean (what the colab keeps, and
    what averaging the ``k`` processes' buffers would give). Note that the
    mean of the splits' variances is the within-split variance, smaller than
    the whole batch's when the split means differ, as for ``k`` processes.

    Args:
        num_features (int): Channels.
        num_splits (int): Sub-batches; the batch size must be a multiple.
            Defaults to 8 (the 8-GPU recipes).
        **kwargs: ``nn.BatchNorm2d``'s ``eps``, ``momentum``, ``affine``,
            ``track_running_stats``.
    """

    def __init__(self, num_features: int, num_splits: int = 8, **kwargs):
        super().__init__(num_features, **kwargs)
        if not isinstance(num_splits, int) or num_splits < 1:
            raise ValueError(
                f'SplitBN: num_splits={num_splits!r}, expected an int >= 1')
        self.num_splits = num_splits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = self.num_splits
        if not self.training or k == 1:
            return super().forward(x)
        compat.check_batch_norm_input(self, x)
        n, c = x.shape[:2]
        if n % k:
            raise ValueError(
                f'SplitBN: a batch of {n} does not split into num_splits={k} '
                'equal sub-batches; use a batch size that is a multiple of '
                f'{k}')
        factor = 0.0 if self.momentum is None else self.momentum
        tracking = self.track_running_stats and self.running_mean is not None
        if tracking:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        # (N, C, ...) -> (N / k, k * C, ...): channel block r holds split r,
        # so one batch_norm call normalises every split by its own statistics.
        spatial = x.shape[2:]
        grouped = x.reshape(k, n // k, c, *spatial).transpose(0, 1).reshape(
            n // k, k * c, *spatial)
        mean = self.running_mean.repeat(k) if tracking else None
        var = self.running_var.repeat(k) if tracking else None
        out = F.batch_norm(
            grouped, mean, var,
            self.weight.repeat(k) if self.affine else None,
            self.bias.repeat(k) if self.affine else None, True, factor,
            self.eps)
        if tracking:
            with torch.no_grad():
                self.running_mean.copy_(mean.view(k, c).mean(dim=0))
                self.running_var.copy_(var.view(k, c).mean(dim=0))
        return out.reshape(n // k, k, c, *spatial).transpose(0, 1).reshape(
            x.shape)

    def extra_repr(self) -> str:
        return super().extra_repr() + f', num_splits={self.num_splits}'
