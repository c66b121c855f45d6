from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

import torch
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

    Implementation of HEXA on MoCo-v2 from `Self-supervised Pre-training with Hard
    Examples Improves Visual Representations <https://arxiv.org/abs/2012.13493>`_
    (Li et al.), on MMSelfSup's :class:`MoCo`, which keeps owning the queue and the
    momentum encoder.

    The loss is ``w_clean * L_clean + w_adv * L_adv + w_mix * L_mix``:

    * ``L_clean``: MoCo-v2's InfoNCE loss (positive: the query's own key,
      negatives: the queue).
    * ``L_adv``: the same loss on adversarial queries, made by ``adversarial``
      to maximise it (the binary positive / negative pseudo-label is flipped).
    * ``L_mix``: cut-mixed queries (``cutmix``) with mixed targets: ``lam`` on the
      query's own key, ``1 - lam`` on its partner's key; the logits are over
      the batch's keys and the queue.

    Keys, the momentum update and the queue use the clean views only. Under DDP the
    CutMix partners and the in-batch keys of ``L_mix`` are the rank's own (no
    gather: the hard queries of a rank only see that rank's keys as positives,
    while the queue, as in MoCo, holds every rank's keys). Shuffle BN and the
    queue update also work when ranks hold different batch sizes.

    With both hard terms off this is MoCo-v2 exactly (same loss, same updates).

    Args:
        backbone (dict): Backbone config.
        neck (dict): Neck config.
        head (dict): Head config; must build a :class:`SoftContrastiveHead`.
        queue_len (int): Number of negative keys in the queue. Defaults to 65536.
        feat_dim (int): Dimension of the embeddings. Defaults to 128.
        momentum (float): Momentum of the key encoder. Defaults to 0.999.
        adversarial (dict, optional): Config of the adversarial generator (e.g.
            ``AdversarialGenerator``); None switches ``L_adv`` off.
        cutmix (dict, optional): Config of the CutMix generator (e.g.
            ``CutMixGenerator``); None switches ``L_mix`` off.
        w_clean (float): Weight of ``L_clean``. Defaults to 1.
        w_adv (float): Weight of ``L_adv``; 0 switches it off. Defaults to 1.
        w_mix (float): Weight of ``L_mix``; 0 switches it off. Defaults to 1.
        hard_fraction (float): Fraction (0, 1] of each batch that is made hard,
            the first ``round(hard_fraction * N)`` queries (the sampler shuffles,
            so this is a random subset). 1 (the paper) makes the whole batch hard;
            less is cheaper and estimates the same ``L_adv`` / ``L_mix`` (means
            over the hard queries) from fewer queries, so more noisily; scale
            ``w_adv`` / ``w_mix`` too for weaker hard terms. Defaults to 1.
        hard_bn (str): How BN treats the hard queries' training forward:
            ``'separate'`` (default), ``'separate_tracked'`` or ``'shared'``;
            see :class:`HardExampleMixin`. How BN behaves during the attack
            itself is the generator's ``bn_mode``.
        reuse_clean_grad (bool): Take the attack's first step from the
            gradient of the clean loss at the queries, which the training
            step's clean backward yields along with the weights' gradients:
            the attack costs no forward or backward of its own. With
            ``hard_fraction`` 1 it is the separate attack's step; with less,
            the hard queries' rows of the whole clean loss's gradient. Its
            rules: :func:`~.hard_example_rules.check_reuse_clean_grad`.
            Defaults to False.
        hard_size (int, optional): Shorter side of the copies of the
            attacked views that the hard examples are made of (e.g. 96 for
            224-pixel views, 8 for 16-pixel ones); see
            :class:`HardExampleMixin`. None: the views themselves. Defaults to
            None.
        pretrained (str, optional): Checkpoint to load. Defaults to None.
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict or list[dict], optional): Initialisation config.
    """

    HARD_BN_MODES = ('separate', 'separate_tracked', 'shared')

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 queue_len: int = 65536,
                 feat_dim: int = 128,
                 momentum: float = 0.999,
                 adversarial: Optional[dict] = None,
                 cutmix: Optional[dict] = None,
                 w_clean: float = 1.,
                 w_adv: float = 1.,
                 w_mix: float = 1.,
                 hard_fraction: float = 1.,
                 hard_bn: str = 'separate',
                 reuse_clean_grad: bool = False,
                 hard_size: Optional[int] = None,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[List[dict], dict]] = None) -> None:
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
                f'HEXAMoCo: model.head must be a SoftContrastiveHead (it takes the '
                f'mixed targets), got {type(self.head).__name__}')
        self.init_hard_examples(adversarial, cutmix, w_clean, w_adv, w_mix,
                                hard_bn, reuse_clean_grad, hard_size)
        if not 0 < hard_fraction <= 1:
            raise ValueError(
                f'HEXAMoCo: hard_fraction={hard_fraction!r} must lie in (0, 1]')
        self.hard_fraction = hard_fraction

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Normalised query embeddings (N, C)."""
        return nn.functional.normalize(
            self.neck(self.backbone(images))[0], dim=1)

    @torch.no_grad()
    def _momentum_keys(self, im_k: torch.Tensor) -> torch.Tensor:
        """Update the key encoder and embed the keys (shuffle BN, as MoCo)."""
        self.encoder_k.update_parameters(nn.Sequential(self.backbone, self.neck))
        im_k, idx_unshuffle = batch_shuffle(im_k)
        k = nn.functional.normalize(self.encoder_k(im_k)[0], dim=1)
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

    def num_hard(self, batch_size: int) -> int:
        """How many queries of a batch are made hard."""
        return max(1, int(round(self.hard_fraction * batch_size)))

    def clean_pass(self, inputs: List[torch.Tensor],
                   data_samples: List[SelfSupDataSample]) -> MoCoCleanPass:
        """MoCo-v2's part: keys, momentum and queue updates, the clean loss.

        Args:
            inputs (List[torch.Tensor]): The two views ``[x_q, x_k]``.
            data_samples (List[SelfSupDataSample]): Unused by MoCo.
        """
        im_q, im_k = inputs[0], inputs[1]
        shared_bn = self.with_hard_examples and self.hard_bn == 'shared'
        im_q = im_q.detach().requires_grad_(self.attack_needs_clean_grad)
        # MoCo-v2's order: the query forward comes before the key encoder's
        # update, which copies the query encoder's BN buffers. With shared BN
        # the clean queries are encoded with the hard ones
        # (encode_hard_examples).
        q = None if shared_bn else self.encode(im_q)
        k = self._momentum_keys(im_k)
        queue = self.queue.clone().detach()
        self._dequeue_and_enqueue(k)
        clean = MoCoCleanPass(
            losses={},
            attack_inputs=[im_q],
            num_hard=self.num_hard(im_q.size(0)),
            keys=k,
            queue=queue)
        if q is not None:
            clean.losses['loss_clean'] = self._clean_loss(clean, q)
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
        """MoCo-v2's loss; keeps the hard queries' clean loss for the gaps."""
        l_pos, l_neg = self._logits(q, clean.keys, clean.queue)
        if self.with_hard_examples:
            with torch.no_grad():
                clean.hard_clean_loss = self.head.per_sample(
                    l_pos[:clean.num_hard], l_neg[:clean.num_hard]).mean()
            self.record_clean_win(clean, [q])
        return self.w_clean * self.head(l_pos, l_neg)

    def pseudo_label_loss(self, feats: torch.Tensor,
                          clean: MoCoCleanPass) -> torch.Tensor:
        """Per-query InfoNCE: positive, the query's own key; negatives, the
        queue (the attack flips this binary pseudo-label)."""
        keys = clean.keys[:clean.num_hard]
        return self.head.per_sample(*self._logits(feats, keys, clean.queue))

    def pseudo_label_flipped(self, feats: torch.Tensor,
                             clean: MoCoCleanPass) -> torch.Tensor:
        """Whether the positive is no longer the top-1 logit."""
        pos, neg = self._logits(feats, clean.keys[:clean.num_hard],
                                clean.queue)
        return neg.max(dim=1).values >= pos.squeeze(1)

    def mixed_target_loss(self, feats: torch.Tensor, mixed: HardExamples,
                          clean: MoCoCleanPass) -> torch.Tensor:
        """Soft InfoNCE over the batch's keys and the queue: ``lam`` on the
        query's own key, ``1 - lam`` on its partner's."""
        keys = clean.keys[:clean.num_hard]
        logits = torch.cat([feats @ keys.t(), feats @ clean.queue], dim=1)
        targets = mixed_key_targets(mixed.partner, mixed.lam, logits.size(1))
        return self.head.soft(logits, targets)

    def encode_hard_examples(
            self, clean: MoCoCleanPass,
            images: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """With ``hard_bn='shared'``, the clean queries go through the same
        forward as the hard ones, and their ``loss_clean`` is computed here."""
        if self.hard_bn != 'shared':
            return super().encode_hard_examples(clean, images)
        im_q = clean.attack_inputs[0].detach()
        q, feats = self.encode(torch.cat([im_q, images])).split(
            [im_q.size(0), images.size(0)])
        return feats, dict(loss_clean=self._clean_loss(clean, q))
