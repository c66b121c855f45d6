from dataclasses import dataclass
from typing import List, Optional, Sequence, Union

import torch

from mmselfsup.registry import MODELS
from mmselfsup.structures import SelfSupDataSample
from ..hard_examples import HardExamples
from .deepcluster_v2 import DeepClusterV2
from .clean_pass import CleanPass
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

    Assignments and the memory bank come from clean crops only. The loss is
    ``w_clean * L_clean + w_adv * L_adv + w_mix * L_mix``.

    Cost: each hard crop adds one training forward / backward per kind, and the
    attack a forward and a backward to the input unless ``reuse_clean_grad``
    takes its step from the clean backward (``tools/benchmarks/speed.py``
    measures it).

    Args:
        adversarial (dict, optional): Adversarial generator config; None: off.
        cutmix (dict, optional): CutMix generator config; None: off.
        w_clean, w_adv, w_mix (float): Loss weights (0 switches a term off).
        hard_crops (Sequence[int]): Crops made hard, by position among the
            inputs; they must share one resolution. Defaults to ``(0, 1)``, the
            two high-resolution crops: the project's choice, as low-resolution
            crops are already hard and cheap ones.
        hard_bn (str): ``'separate'`` (default) or ``'separate_tracked'``; see
            :class:`HardExampleMixin`.
        reuse_clean_grad (bool): Take the attack's step from the gradient of
            the clean loss at the hard crops (BN on the statistics of the clean
            crops of their resolution, which go through the backbone
            together), which the training step's clean backward yields along
            with the weights' gradients. Its rules:
            :func:`~.hard_example_rules.check_reuse_clean_grad`. Defaults to
            False.
        hard_size (int, optional): Shorter side of the copies of the
            attacked views that the hard examples are made of (e.g. 96 for
            224-pixel views, 8 for 16-pixel ones); see
            :class:`HardExampleMixin`. None: the views themselves. Defaults to
            None.
        **kwargs: :class:`DeepClusterV2`'s arguments.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 num_samples: int,
                 adversarial: Optional[dict] = None,
                 cutmix: Optional[dict] = None,
                 w_clean: float = 1.,
                 w_adv: float = 1.,
                 w_mix: float = 1.,
                 hard_crops: Sequence[int] = (0, 1),
                 hard_bn: str = 'separate',
                 reuse_clean_grad: bool = False,
                 hard_size: Optional[int] = None,
                 init_cfg: Optional[Union[List[dict], dict]] = None,
                 **kwargs) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            num_samples=num_samples,
            init_cfg=init_cfg,
            **kwargs)
        self.init_hard_examples(adversarial, cutmix, w_clean, w_adv, w_mix,
                                hard_bn, reuse_clean_grad, hard_size)
        if not hard_crops or len(set(hard_crops)) != len(hard_crops):
            raise ValueError(f'HEXADeepClusterV2: hard_crops={hard_crops!r} '
                             'must list distinct crop positions')
        self.hard_crops = tuple(hard_crops)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """L2-normalised embedding (B, D) of one batch of crops."""
        return self.embed([images])[0]

    def clean_pass(self, inputs: List[torch.Tensor],
                   data_samples: List[SelfSupDataSample]) -> DClusterCleanPass:
        """DeepCluster-v2's part: every crop's cluster loss, the bank update."""
        if max(self.hard_crops) >= len(inputs):
            raise ValueError(f'hard_crops={self.hard_crops} but the batch has '
                             f'{len(inputs)} crops')
        inputs = list(inputs)
        for c in self.hard_crops:
            inputs[c] = inputs[c].detach().requires_grad_(
                self.attack_needs_clean_grad)
        index = self.sample_index(data_samples)
        embeddings = self.embed(inputs)
        targets = self.batch_targets(index)
        hard_clean_loss = None
        if self.with_hard_examples:
            with torch.no_grad():
                hard_clean_loss = self.crop_losses(
                    [embeddings[c] for c in self.hard_crops], targets).mean()
        loss_clean = self.w_clean * self.crop_losses(embeddings, targets).mean()
        self.update_bank(index, embeddings)
        clean = DClusterCleanPass(
            losses=dict(loss_clean=loss_clean),
            attack_inputs=[inputs[c] for c in self.hard_crops],
            num_hard=index.numel(),
            hard_clean_loss=hard_clean_loss,
            targets=targets)
        if self.with_hard_examples:
            self.record_clean_win(clean,
                                  [embeddings[c] for c in self.hard_crops])
        return clean

    def pseudo_label_loss(self, feats: torch.Tensor,
                          clean: DClusterCleanPass) -> torch.Tensor:
        """Prototype cross-entropy against the crop's clusters, every head
        (the attack pushes the crop away from them)."""
        return self.head(feats, clean.targets)

    def pseudo_label_flipped(self, feats: torch.Tensor,
                             clean: DClusterCleanPass) -> torch.Tensor:
        """Whether the first head's top prototype is no longer the crop's
        cluster."""
        top = (feats.float() @ self.head.prototypes[0].t()).argmax(1)
        return top != clean.targets[0]

    def mixed_target_loss(self, feats: torch.Tensor, mixed: HardExamples,
                          clean: DClusterCleanPass) -> torch.Tensor:
        """``lam`` of the loss against the crop's own clusters, ``1 - lam``
        of that against its partner's, in every head."""
        return (mixed.lam * self.head(feats, clean.targets) +
                (1 - mixed.lam) * self.head(feats,
                                            clean.targets[:, mixed.partner]))
