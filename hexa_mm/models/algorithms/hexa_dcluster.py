from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Union

import torch

from mmselfsup.registry import MODELS
from mmselfsup.structures import SelfSupDataSample
from ..hard_examples import PseudoLabelLoss
from .deepcluster_v2 import DeepClusterV2
from .hard_example_mixin import CleanPass, HardExampleMixin


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
            crops of their resolution, which go through the backbone together),
            which the training step's clean backward yields along with the
            weights' gradients; see :class:`HardExampleMixin`. Needs
            ``bn_mode='batch'``, no ``random_start`` and ``w_clean > 0``; under
            DDP, ``model_wrapper_cfg=dict(type='TwoPassDistributedDataParallel')``.
            No effect without an attack. Defaults to False.
        **kwargs: :class:`DeepClusterV2`'s arguments.
    """

    HARD_BN_MODES = ('separate', 'separate_tracked')

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
                                hard_bn, reuse_clean_grad)
        if not hard_crops or len(set(hard_crops)) != len(hard_crops):
            raise ValueError(f'HEXADeepClusterV2: hard_crops={hard_crops!r} '
                             'must list distinct crop positions')
        self.hard_crops = tuple(hard_crops)

    def cluster_loss_fn(self, targets: torch.Tensor) -> PseudoLabelLoss:
        """The pseudo-label loss that the attack raises: prototype CE."""

        def loss_fn(images: torch.Tensor) -> torch.Tensor:
            return self.head(self.embed([images])[0], targets)

        return loss_fn

    def clean_pass(self, inputs: List[torch.Tensor],
                   data_samples: List[SelfSupDataSample]) -> 'DClusterCleanPass':
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
        return DClusterCleanPass(
            losses=dict(loss_clean=loss_clean),
            attack_inputs=[inputs[c] for c in self.hard_crops],
            targets=targets,
            hard_clean_loss=hard_clean_loss)

    def hard_pass(self, clean: 'DClusterCleanPass',
                  input_grads: Optional[List[torch.Tensor]]
                  ) -> Dict[str, torch.Tensor]:
        """Adversarial and cut-mixed crops and their losses.

        Returns:
            Dict[str, torch.Tensor]: ``loss_adv`` and ``loss_mix`` when on
            (weighted), with the figures ``adv_flip`` (fraction of adversarial
            crops whose first head's top prototype is no longer the assigned
            cluster), ``adv_gap`` / ``mix_gap`` (mean loss of hard crops minus
            that of the same clean crops) and ``mix_lam``.
        """
        crops = [x.detach() for x in clean.attack_inputs]
        targets = clean.targets
        grads = input_grads or [None] * len(crops)
        hard = []
        if self.adversarial is not None:
            loss_fn = self.cluster_loss_fn(targets)
            hard.append(('adv', [
                self.adversarial(
                    crop, loss_fn, self.data_preprocessor, model=self,
                    input_grad=grad).inputs
                for crop, grad in zip(crops, grads)
            ], None))
        if self.cutmix is not None:
            mixed = [self.cutmix(crop) for crop in crops]
            hard.append(('mix', [m.inputs for m in mixed], mixed))
        # One forward for every hard crop (they share a resolution).
        with self.hard_forward_context():
            feats = self.embed(
                [torch.cat([x for _, images, _ in hard for x in images])])[0]
        feats = feats.chunk(len(hard) * len(crops))
        losses = {}
        for k, (kind, _, mixed) in enumerate(hard):
            crop_feats = feats[k * len(crops):(k + 1) * len(crops)]
            if kind == 'adv':
                per_sample = self.crop_losses(crop_feats, targets)
                losses['loss_adv'] = self.w_adv * per_sample.mean()
                top = torch.stack([
                    (f.float() @ self.head.prototypes[0].t()).argmax(1)
                    for f in crop_feats
                ])
                losses['adv_flip'] = (top != targets[0]).float().mean()
            else:
                per_sample = torch.stack([
                    m.lam * self.head(f, targets) +
                    (1 - m.lam) * self.head(f, targets[:, m.partner])
                    for f, m in zip(crop_feats, mixed)
                ]).mean(0)
                losses['loss_mix'] = self.w_mix * per_sample.mean()
                losses['mix_lam'] = torch.tensor(
                    sum(m.lam for m in mixed) / len(mixed),
                    device=per_sample.device)
            losses[f'{kind}_gap'] = (
                per_sample.detach().mean() - clean.hard_clean_loss)
        return losses


@dataclass
class DClusterCleanPass(CleanPass):
    """HEXA-DCluster's clean pass: the attacked views are the hard crops."""
    #: Cluster of each sample in every head (H, B).
    targets: Optional[torch.Tensor] = None
    #: Mean clean loss of the hard crops (for the gaps).
    hard_clean_loss: Optional[torch.Tensor] = None
