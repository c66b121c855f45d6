from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import nn

from mmselfsup.models.algorithms import MoCo
from mmselfsup.registry import MODELS
from mmselfsup.structures import SelfSupDataSample
from ..hard_examples import HardExamples
from ..heads import SoftContrastiveHead
from ..losses import mixed_key_targets
from ..utils import batch_shuffle, batch_unshuffle, gather_rows
from .clean_pass import CleanPass
from .hard_example_mixin import HardExampleMixin


@dataclass
class MoCoCleanPass(CleanPass):
    """HEXA-MoCo's clean pass: the attacked view is the queries ``x_q``."""
    #: Key of each query (N, C): its positive.
    keys: Optional[torch.Tensor] = None
    #: The queue before this batch's keys entered it (C, K): the negatives.
    queue: Optional[torch.Tensor] = None


@MODELS.register_module()
class HEXAMoCo(HardExampleMixin, MoCo):
    """HEXA-MoCo: MoCo-v2 with adversarial and cut-mixed hard queries.

    Implementation of HEXA on MoCo-v2 from `Self-supervised Pre-training with
    Hard Examples Improves Visual Representations
    <https://arxiv.org/abs/2012.13493>`_ (Li et al.), on MMSelfSup's
    :class:`MoCo`, which keeps owning the queue and the momentum encoder.

    The loss is ``w_clean * L_clean + w_adv * L_adv + w_mix * L_mix``:

    * ``L_clean``: MoCo-v2's InfoNCE loss (positive: the query's own key,
      negatives: the queue).
    * ``L_adv``: the same loss on adversarial queries, made to maximise it
      (the binary positive / negative pseudo-label is flipped).
    * ``L_mix``: cut-mixed queries with mixed targets: ``lam`` on the query's
      own key, ``1 - lam`` on its partner's key; the logits are over the
      batch's keys and the queue.

    Keys, the momentum update and the queue use the clean views only. Under
    DDP the CutMix partners and the in-batch keys of ``L_mix`` are the rank's
    own (no gather: the hard queries of a rank only see that rank's keys as
    positives, while the queue, as in MoCo, holds every rank's keys). Shuffle
    BN and the queue update also work when ranks hold different batch sizes.
    With both hard terms off this is MoCo-v2 exactly (same loss, same
    updates).

    Args:
        backbone (dict): Backbone config.
        neck (dict): Neck config.
        head (dict): Head config; must build a :class:`SoftContrastiveHead`.
        queue_len (int): Number of negative keys in the queue. Defaults to
            65536.
        feat_dim (int): Dimension of the embeddings. Defaults to 128.
        momentum (float): Momentum of the key encoder. Defaults to 0.999.
        pretrained (str, optional): Checkpoint to load. Defaults to None.
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict or list[dict], optional): Initialisation config.
        **hard_examples: The hard-example settings (``adversarial``,
            ``cutmix``, ``w_clean``, ``w_adv``, ``w_mix``, ``mix_mode``,
            ``replace_fraction``) of :class:`HardExampleMixin`.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 queue_len: int = 65536,
                 feat_dim: int = 128,
                 momentum: float = 0.999,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[List[dict], dict]] = None,
                 **hard_examples) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            queue_len=queue_len,
            feat_dim=feat_dim,
            momentum=momentum,
            pretrained=pretrained,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        if not isinstance(self.head, SoftContrastiveHead):
            raise TypeError(
                'HEXAMoCo: model.head must be a SoftContrastiveHead (it takes '
                f'the mixed targets), got {type(self.head).__name__}')
        self.init_hard_examples(**hard_examples)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Normalised query embeddings (N, C)."""
        return F.normalize(self.neck(self.backbone(images))[0], dim=1)

    @torch.no_grad()
    def _momentum_keys(self, im_k: torch.Tensor) -> torch.Tensor:
        """Update the key encoder and embed the keys (shuffle BN, as MoCo)."""
        self.encoder_k.update_parameters(nn.Sequential(self.backbone, self.neck))
        im_k, idx_unshuffle = batch_shuffle(im_k)
        k = F.normalize(self.encoder_k(im_k)[0], dim=1)
        return batch_unshuffle(k, idx_unshuffle)

    @torch.no_grad()
    def _dequeue_and_enqueue(self, keys: torch.Tensor) -> None:
        """MoCo's queue update, also when ranks hold different batch sizes.

        Every rank's keys are gathered (padded, so an uneven last batch cannot
        deadlock) and written at the pointer, wrapping around the queue's end;
        with equal batches dividing the queue it is MoCo's update exactly.
        """
        keys = gather_rows(keys)
        ptr, n = int(self.queue_ptr), keys.size(0)
        if ptr + n <= self.queue_len:
            self.queue[:, ptr:ptr + n] = keys.t()
        else:
            slots = (ptr + torch.arange(n, device=keys.device)) % self.queue_len
            self.queue[:, slots] = keys.t()
        self.queue_ptr[0] = (ptr + n) % self.queue_len

    def clean_pass(self,
                   inputs: List[torch.Tensor],
                   data_samples: List[SelfSupDataSample],
                   attack_grad: bool = False) -> MoCoCleanPass:
        """MoCo-v2's part: keys, momentum and queue updates, the clean loss
        (with ``mix_mode='replace'``, also ``L_mix`` of the cut-mixed rows).

        Args:
            inputs (List[torch.Tensor]): The two views ``[x_q, x_k]``.
            data_samples (List[SelfSupDataSample]): Unused by MoCo.
            attack_grad (bool): See :meth:`HardExampleMixin.clean_pass`.
        """
        im_q, im_k = inputs[0], inputs[1]
        im_q = im_q.detach().requires_grad_(attack_grad)
        queries, mixed = self.mix_in_place(im_q)
        # MoCo-v2's order: the query forward comes before the key encoder's
        # update, which copies the query encoder's BN buffers.
        q = self.encode(queries)
        k = self._momentum_keys(im_k)
        queue = self.queue.clone().detach()
        self._dequeue_and_enqueue(k)
        clean = MoCoCleanPass(
            losses={}, attack_inputs=[im_q], keys=k, queue=queue)
        if mixed is None:
            clean.losses['loss_clean'] = self._clean_loss(clean, q)
        else:
            clean.losses.update(self._mixed_in_place_losses(clean, q, mixed))
        return clean

    @staticmethod
    def _logits(q: torch.Tensor, k: torch.Tensor,
                queue: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """MoCo's positive (N, 1) and queue (N, K) similarities."""
        l_pos = torch.einsum('nc,nc->n', [q, k]).unsqueeze(-1)
        l_neg = torch.einsum('nc,ck->nk', [q, queue])
        return l_pos, l_neg

    def _clean_loss(self, clean: MoCoCleanPass,
                    q: torch.Tensor) -> torch.Tensor:
        """MoCo-v2's loss; keeps the clean loss of the hard rows."""
        l_pos, l_neg = self._logits(q, clean.keys, clean.queue)
        if self.with_hard_pass:
            with torch.no_grad():
                clean.hard_clean_loss = self.head.per_sample(l_pos,
                                                             l_neg).mean()
        return self.w_clean * self.head(l_pos, l_neg)

    def _mixed_in_place_losses(self, clean: MoCoCleanPass, q: torch.Tensor,
                               mixed: HardExamples) -> dict:
        """``'replace'`` mode: InfoNCE of the clean rows and the mixed-target
        loss of the cut-mixed ones, each summed over its rows and divided by
        the batch size, and the mixing figures."""
        n = mixed.partner.numel()
        clean_rows = self.head.per_sample(
            *self._logits(q[n:], clean.keys[n:], clean.queue))
        mixed_rows = self.mixed_target_loss(q[:n], mixed, clean)
        size = q.size(0)
        if clean_rows.numel():
            clean.hard_clean_loss = clean_rows.detach().mean()
        return dict(
            loss_clean=self.w_clean * clean_rows.sum() / size,
            loss_mix=self.w_mix * mixed_rows.sum() / size,
            **self.mixing_figures([q[:n]], [mixed], clean))

    def pseudo_label_loss(self, feats: torch.Tensor,
                          clean: MoCoCleanPass) -> torch.Tensor:
        """Per-query InfoNCE: positive, the query's own key; negatives, the
        queue (the attack flips this binary pseudo-label)."""
        return self.head.per_sample(
            *self._logits(feats, clean.keys, clean.queue))

    def mixed_target_loss(self, feats: torch.Tensor, mixed: HardExamples,
                          clean: MoCoCleanPass) -> torch.Tensor:
        """Soft InfoNCE over the batch's keys and the queue: ``lam`` on the
        query's own key, ``1 - lam`` on its partner's."""
        logits = torch.cat([feats @ clean.keys.t(), feats @ clean.queue],
                           dim=1)
        targets = mixed_key_targets(mixed.partner, mixed.lam, logits.size(1))
        return self.head.soft(logits, targets)

    def mixed_target_excess(self, feats: torch.Tensor, mixed: HardExamples,
                            clean: MoCoCleanPass) -> torch.Tensor:
        """KL divergence from the mixed target over the clean loss's columns
        (own key, queue) and the partner's key."""
        n = feats.size(0)
        rows = torch.arange(n, device=feats.device)
        own = mixed.partner == rows
        logits = torch.cat([
            (feats * clean.keys[:n]).sum(1, keepdim=True),
            (feats * clean.keys[mixed.partner]).sum(1, keepdim=True),
            feats @ clean.queue
        ], dim=1).float() / self.head.temperature
        # A query mixed with itself has one target column: its own key.
        logits[:, 1] = logits[:, 1].masked_fill(own, float('-inf'))
        log_p = F.log_softmax(logits, dim=1)
        lam = torch.full((n, ), mixed.lam, device=feats.device)
        lam = torch.where(own, torch.ones_like(lam), lam)
        cross_entropy = -(lam * log_p[:, 0] +
                          torch.where(own, torch.zeros_like(lam),
                                      (1 - lam) * log_p[:, 1]))
        entropy = -(torch.special.xlogy(lam, lam) +
                    torch.special.xlogy(1 - lam, 1 - lam))
        return cross_entropy - entropy
