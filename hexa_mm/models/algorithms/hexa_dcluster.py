from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Union

import torch

from mmselfsup.registry import MODELS
from mmselfsup.structures import SelfSupDataSample
from ..hard_examples import HardExamples
from .clean_pass import CleanPass
from .deepcluster_v2 import DeepClusterV2
from .hard_example_mixin import HardExampleMixin


@dataclass
class DClusterCleanPass(CleanPass):
    """HEXA-DCluster's clean pass: the attacked views are the hard crops."""
    #: Cluster of each sample in every head (H, B).
    targets: Optional[torch.Tensor] = None


@MODELS.register_module()
class HEXADeepClusterV2(HardExampleMixin, DeepClusterV2):
    """HEXA-DCluster: DeepCluster-v2 with adversarial and cut-mixed crops.

    From `Self-supervised Pre-training with Hard Examples Improves Visual
    Representations <https://arxiv.org/abs/2012.13493>`_ (Li et al.). The
    pseudo-label of a crop is its image's cluster in every head. Hard crops are
    made from the crops listed in ``hard_crops``:

    * adversarial crops: the attack raises the prototype cross-entropy (pushes
      the crop away from its assigned clusters);
    * cut-mixed crops: the target is ``lam`` on the crop's own cluster and
      ``1 - lam`` on its partner's, in every head.

    Assignments and the memory bank come from clean crops only (with
    ``mix_mode='replace'``, a cut-mixed row leaves its bank row as it was).
    The loss is ``w_clean * L_clean + w_adv * L_adv + w_mix * L_mix``.

    Args:
        backbone (dict): Backbone config.
        neck (dict): Neck config.
        head (dict): Config of a :class:`MultiPrototypeHead`.
        num_samples (int): Size of the training set (rows of the bank).
        hard_crops (Sequence[int]): Crops made hard, by position among the
            inputs; they must share one resolution. Defaults to ``(0, 1)``,
            the two high-resolution crops (ours: the paper does not say;
            low-resolution crops are already hard and cheap ones).
        init_cfg (dict or list[dict], optional): Initialisation config.
        **kwargs: The hard-example settings (``adversarial``, ``cutmix``,
            ``w_clean``, ``w_adv``, ``w_mix``, ``mix_mode``,
            ``replace_fraction``) of :class:`HardExampleMixin`, and
            :class:`DeepClusterV2`'s other arguments.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 num_samples: int,
                 hard_crops: Sequence[int] = (0, 1),
                 init_cfg: Optional[Union[List[dict], dict]] = None,
                 **kwargs) -> None:
        hard_examples = {
            k: kwargs.pop(k)
            for k in self.forwarded_fields if k in kwargs
        }
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            num_samples=num_samples,
            init_cfg=init_cfg,
            **kwargs)
        self.init_hard_examples(**hard_examples)
        if not hard_crops or len(set(hard_crops)) != len(hard_crops):
            raise ValueError(f'HEXADeepClusterV2: hard_crops={hard_crops!r} '
                             'must list distinct crop positions')
        self.hard_crops = tuple(hard_crops)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """L2-normalised embedding (B, D) of one batch of crops."""
        return self.embed([images])[0]

    def clean_pass(self,
                   inputs: List[torch.Tensor],
                   data_samples: List[SelfSupDataSample],
                   attack_grad: bool = False) -> DClusterCleanPass:
        """DeepCluster-v2's part: every crop's cluster loss, the bank update
        (with ``mix_mode='replace'``, also ``L_mix`` of the cut-mixed rows).

        Args:
            inputs (List[torch.Tensor]): The crops, high-resolution first.
            data_samples (List[SelfSupDataSample]): Carry ``sample_idx``.
            attack_grad (bool): See :meth:`HardExampleMixin.clean_pass`.
        """
        if max(self.hard_crops) >= len(inputs):
            raise ValueError(f'hard_crops={self.hard_crops} but the batch has '
                             f'{len(inputs)} crops')
        inputs = list(inputs)
        mixed: Dict[int, HardExamples] = {}
        for c in self.hard_crops:
            inputs[c] = inputs[c].detach().requires_grad_(attack_grad)
        attacked = [inputs[c] for c in self.hard_crops]
        for c in self.hard_crops:
            inputs[c], m = self.mix_in_place(inputs[c])
            if m is not None:
                mixed[c] = m
        index = self.sample_index(data_samples)
        embeddings = self.embed(inputs)
        targets = self.batch_targets(index)
        clean = DClusterCleanPass(
            losses={}, attack_inputs=attacked, targets=targets)
        if mixed:
            clean.losses.update(
                self._mixed_in_place_losses(clean, embeddings, mixed))
        else:
            if self.with_hard_pass:
                with torch.no_grad():
                    clean.hard_clean_loss = self.crop_losses(
                        [embeddings[c] for c in self.hard_crops],
                        targets).mean()
            clean.losses['loss_clean'] = self.w_clean * self.crop_losses(
                embeddings, targets).mean()
        self.update_bank(index, self._clean_rows(index, embeddings, mixed))
        return clean

    def _clean_rows(self, index: torch.Tensor, embeddings: List[torch.Tensor],
                    mixed: Dict[int, HardExamples]) -> List[torch.Tensor]:
        """The embeddings to write into the bank: a cut-mixed row keeps the
        bank's current row, so that the bank holds clean crops only."""
        embeddings = list(embeddings)
        for c, m in mixed.items():
            n = m.partner.numel()
            rows = embeddings[c].detach().clone()
            rows[:n] = self.memory_bank[c, index[:n].to(rows.device)]
            embeddings[c] = rows
        return embeddings

    def _mixed_in_place_losses(self, clean: DClusterCleanPass,
                               embeddings: List[torch.Tensor],
                               mixed: Dict[int, HardExamples]) -> dict:
        """``'replace'`` mode: each crop's cluster loss on its clean rows and
        the mixed-target loss on its cut-mixed rows, each summed and divided
        by the number of rows of all crops, and the mixing figures."""
        clean_sum, mixed_sum, clean_count = 0., 0., 0
        for c, emb in enumerate(embeddings):
            n = mixed[c].partner.numel() if c in mixed else 0
            rows = self.head(emb[n:], clean.targets[:, n:])
            clean_sum = clean_sum + rows.sum()
            clean_count += rows.numel()
            if n:
                mixed_sum = mixed_sum + self.mixed_target_loss(
                    emb[:n], mixed[c], clean).sum()
        size = sum(emb.size(0) for emb in embeddings)
        clean.hard_clean_loss = (clean_sum.detach() / clean_count
                                 if clean_count else None)
        return dict(
            loss_clean=self.w_clean * clean_sum / size,
            loss_mix=self.w_mix * mixed_sum / size,
            **self.mixing_figures(
                [embeddings[c][:m.partner.numel()] for c, m in mixed.items()],
                list(mixed.values()), clean))

    def pseudo_label_loss(self, feats: torch.Tensor,
                          clean: DClusterCleanPass) -> torch.Tensor:
        """Prototype cross-entropy against the crop's clusters, every head
        (the attack pushes the crop away from them)."""
        return self.head(feats, clean.targets)

    def mixed_target_loss(self, feats: torch.Tensor, mixed: HardExamples,
                          clean: DClusterCleanPass) -> torch.Tensor:
        """``lam`` of the loss against the crop's own clusters, ``1 - lam``
        of that against its partner's, in every head."""
        targets = clean.targets[:, :feats.size(0)]
        return (mixed.lam * self.head(feats, targets) +
                (1 - mixed.lam) * self.head(feats, targets[:, mixed.partner]))

    def mixed_target_excess(self, feats: torch.Tensor, mixed: HardExamples,
                            clean: DClusterCleanPass) -> torch.Tensor:
        """The mixed-target loss minus the target's entropy, per head (over
        the same prototypes as the clean loss): 0 when the crop predicts
        exactly ``lam`` / ``1 - lam``."""
        targets = clean.targets[:, :feats.size(0)]
        lam = torch.tensor(mixed.lam, device=feats.device)
        entropy = -(torch.special.xlogy(lam, lam) +
                    torch.special.xlogy(1 - lam, 1 - lam))
        # A partner in the same cluster makes the head's target one-hot.
        two_clusters = (targets != targets[:, mixed.partner]).float().mean(0)
        return self.mixed_target_loss(feats, mixed, clean) - (
            entropy * two_clusters)
