from contextlib import nullcontext
from typing import ContextManager, Dict, List, Optional, Tuple

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mmselfsup.registry import MODELS
from ... import compat
from ..hard_examples import HardExamples, PseudoLabelLoss
from ..utils import running_stats_frozen
from .clean_pass import CleanPass
from .hard_example_rules import check_reuse_clean_grad, shrink_to_side


class HardExampleMixin:
    """The HEXA contract: generators, loss weights, BN mode, the hard pass and
    the training step, shared by every HEXA algorithm.

    HEXA (Li et al., arXiv 2012.13493) adds adversarial and cut-mixed examples
    to an algorithm's standard views; each kind has a generator config (None:
    off) and a loss weight (0: off). The loss is
    ``w_clean * L_clean + w_adv * L_adv + w_mix * L_mix``. An algorithm
    declares only what is specific to its baseline:

    * :meth:`clean_pass`: the standard views' loss and updates (the baseline),
      and which views are attacked (:attr:`CleanPass.attack_inputs`);
    * :meth:`encode`: the features that its losses take;
    * :meth:`pseudo_label_loss`: each sample's loss against the pseudo-label
      of the attacked view it was made from; the attack raises it, and it is
      ``L_adv`` on the adversarial examples;
    * :meth:`pseudo_label_flipped`: whether the model no longer predicts that
      pseudo-label (the ``adv_flip`` figure);
    * :meth:`mixed_target_loss`: each cut-mixed sample's loss against the
      mixed pseudo-labels (``lam`` own, ``1 - lam`` its partner's): ``L_mix``.

    This mixin owns the one :meth:`hard_pass` (generators, one forward of
    every hard example, ``L_adv``, ``L_mix`` and their figures) and the
    training step.

    ``hard_bn`` says how BN treats the hard examples' training forward (a
    project choice; the paper is silent):

    * ``'separate'`` (default): hard examples form their own BN batch and BN
      running statistics do not absorb them, so the running statistics that a
      frozen-BN linear probe uses come from clean views only (adversarial views
      have other BN statistics: AdvProp, Xie et al., CVPR 2020).
    * ``'separate_tracked'``: own BN batch; running statistics absorb them.
    * ``'shared'`` (where the algorithm supports it): one forward with the clean
      views, so they share batch statistics and running statistics absorb them.

    ``hard_size`` makes the hard examples of smaller copies of the attacked
    views (the multi-crop idea of SwAV, Caron et al., NeurIPS 2020: a 96-pixel
    crop costs a fifth of a 224-pixel one): the attack and the hard forward
    then cost ``(hard_size / side)**2`` of theirs at full size, and the
    pseudo-labels stay those of the full-size clean views.

    ``reuse_clean_grad`` takes the attack's (first) step from the gradient of
    the clean loss at the attacked views (:func:`check_reuse_clean_grad`
    lists when it may). The clean views' loss is the attack's pseudo-label
    loss at the same inputs, so this is the attack's own first step (with BN
    on the clean batch's statistics), and the training step gets it for free:
    :meth:`train_step` runs two backward passes, the clean loss's (which
    yields the weights' gradients and the input gradient together), then the
    hard examples', and one optimizer step (MMEngine's pattern for a custom
    optimisation step; under DDP, :class:`TwoPassDistributedDataParallel`).
    The attack then costs no forward or backward of its own. :meth:`loss`, for
    callers that differentiate the losses once, takes the same gradient with
    :func:`torch.autograd.grad` instead.
    """

    HARD_BN_MODES: Tuple[str, ...] = ('separate', 'separate_tracked')

    def init_hard_examples(self,
                           adversarial: Optional[dict],
                           cutmix: Optional[dict],
                           w_clean: float,
                           w_adv: float,
                           w_mix: float,
                           hard_bn: str,
                           reuse_clean_grad: bool = False,
                           hard_size: Optional[int] = None) -> None:
        name = type(self).__name__
        for field, weight in (('w_clean', w_clean), ('w_adv', w_adv),
                              ('w_mix', w_mix)):
            if weight < 0:
                raise ValueError(f'{name}: {field}={weight!r} must be >= 0')
        if hard_bn not in self.HARD_BN_MODES:
            raise ValueError(f'{name}: hard_bn={hard_bn!r}, allowed: '
                             f'{self.HARD_BN_MODES}')
        if hard_size is not None:
            if not isinstance(hard_size, int) or hard_size < 1:
                raise ValueError(f'{name}: hard_size={hard_size!r} must be an '
                                 'int >= 1 or None')
            if hard_bn == 'shared':
                raise ValueError(
                    f"{name}: hard_size={hard_size} needs a separate hard "
                    "forward: hard_bn='shared' encodes the hard examples in "
                    'one batch with the full-size clean views')
        self.hard_size = hard_size
        self.adversarial = (
            MODELS.build(adversarial)
            if adversarial is not None and w_adv > 0 else None)
        self.cutmix = (
            MODELS.build(cutmix) if cutmix is not None and w_mix > 0 else None)
        self.w_clean = w_clean
        self.w_adv = w_adv
        self.w_mix = w_mix
        self.hard_bn = hard_bn
        # Without an attack there is no step to take: nothing to reuse.
        self.reuse_clean_grad = reuse_clean_grad and self.adversarial is not None
        if self.reuse_clean_grad:
            check_reuse_clean_grad(self)

    @property
    def with_hard_examples(self) -> bool:
        return self.adversarial is not None or self.cutmix is not None

    @property
    def attack_needs_clean_grad(self) -> bool:
        """Whether the clean pass must leave the attack its input gradient."""
        return self.reuse_clean_grad and self.training

    def hard_forward_context(self) -> ContextManager:
        """BN behaviour of a separate forward of the hard examples."""
        if self.hard_bn == 'separate':
            return running_stats_frozen(self)
        return nullcontext()

    # What each algorithm declares.

    def clean_pass(self, inputs: List[torch.Tensor],
                   data_samples: list) -> CleanPass:
        """The standard views: the base algorithm's loss and updates."""
        raise NotImplementedError

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """The features (N, D) that the losses take, of one batch of views."""
        raise NotImplementedError

    def pseudo_label_loss(self, feats: torch.Tensor,
                          clean: CleanPass) -> torch.Tensor:
        """Per-sample loss (N,) of hard examples' features against the
        pseudo-labels of the attacked rows they were made from."""
        raise NotImplementedError

    def pseudo_label_flipped(self, feats: torch.Tensor,
                             clean: CleanPass) -> torch.Tensor:
        """Whether each sample's pseudo-label is no longer the model's top
        prediction (N,), for the ``adv_flip`` figure."""
        raise NotImplementedError

    def mixed_target_loss(self, feats: torch.Tensor, mixed: HardExamples,
                          clean: CleanPass) -> torch.Tensor:
        """Per-sample loss (N,) of cut-mixed examples' features against their
        mixed pseudo-labels."""
        raise NotImplementedError

    def encode_hard_examples(
            self, clean: CleanPass,
            images: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """One forward of every hard example, under ``hard_bn``.

        Returns:
            tuple: The features, and the losses computed along (none here; an
            algorithm with ``hard_bn='shared'`` encodes its clean views with
            the hard ones and returns their ``loss_clean``).
        """
        with self.hard_forward_context():
            return self.encode(images), {}

    # The hard pass and the training step, shared.

    @torch.no_grad()
    def record_clean_win(self, clean: CleanPass,
                         feats: List[torch.Tensor]) -> None:
        """Keep the ``clean_win`` figure of the rows that are made hard, from
        the clean features of each attacked view (their first
        ``num_hard`` rows are read): the counterpart of ``adv_win`` and
        ``mix_win`` on the same rows."""
        n = clean.num_hard
        flipped = torch.stack(
            [self.pseudo_label_flipped(f[:n].detach(), clean) for f in feats])
        clean.hard_clean_win = 1 - flipped.float().mean()

    def attack_loss(self, clean: CleanPass) -> PseudoLabelLoss:
        """The loss that the attack raises: :meth:`pseudo_label_loss` of the
        attacked images' features."""

        def loss_fn(images: torch.Tensor) -> torch.Tensor:
            return self.pseudo_label_loss(self.encode(images), clean)

        return loss_fn

    def hard_view(self, view: torch.Tensor) -> torch.Tensor:
        """The view that hard examples are made of: ``view`` (N, C, H, W)
        itself, or with ``hard_size`` its copy at that shorter side
        (:func:`shrink_to_side`)."""
        if self.hard_size is None:
            return view
        return shrink_to_side(view, self.hard_size, type(self).__name__)

    def make_hard_examples(
        self,
        clean: CleanPass,
        input_grads: Optional[List[torch.Tensor]] = None
    ) -> Tuple[List[HardExamples], List[HardExamples]]:
        """The adversarial and the cut-mixed examples of each attacked view
        (empty lists for a kind that is off).

        Args:
            clean: The batch's clean pass.
            input_grads: Gradient of the clean loss at each of
                ``clean.attack_inputs`` when the attack reuses it, else None.
        """
        n = clean.num_hard
        views = [self.hard_view(x[:n].detach()) for x in clean.attack_inputs]
        grads = ([None] * len(views) if input_grads is None else
                 [g[:n] for g in input_grads])
        adversarial, mixed = [], []
        if self.adversarial is not None:
            loss_fn = self.attack_loss(clean)
            adversarial = [
                self.adversarial(
                    view, loss_fn, self.data_preprocessor, model=self,
                    input_grad=grad) for view, grad in zip(views, grads)
            ]
        if self.cutmix is not None:
            mixed = [self.cutmix(view) for view in views]
        return adversarial, mixed

    def hard_pass(self,
                  clean: CleanPass,
                  input_grads: Optional[List[torch.Tensor]] = None
                  ) -> Dict[str, torch.Tensor]:
        """The hard examples' losses and figures.

        Args:
            clean: The batch's clean pass.
            input_grads: Gradient of the clean loss at each of
                ``clean.attack_inputs`` when the attack reuses it, else None.

        Returns:
            Dict[str, torch.Tensor]: ``loss_adv`` and ``loss_mix`` when on
            (weighted), with the hardness figures, each of a kind's examples
            against the clean rows they were made from:

            * ``clean_win`` / ``adv_win`` / ``mix_win``: fraction whose
              pseudo-label (own key, own cluster) is still the top
              prediction; ``adv_flip = 1 - adv_win``;
            * ``adv_ratio`` / ``mix_ratio``: mean pseudo-label (resp. mixed
              target) loss over the same rows' mean clean loss; ``adv_gap``
              / ``mix_gap``: their difference;
            * ``mix_lam``.

            With ``hard_bn='shared'`` also ``loss_clean``.
        """
        adversarial, mixed = self.make_hard_examples(clean, input_grads)
        feats, losses = self.encode_hard_examples(
            clean, torch.cat([h.inputs for h in adversarial + mixed]))
        feats = feats.split(clean.num_hard)
        adv_feats, mix_feats = feats[:len(adversarial)], feats[len(adversarial):]
        if adversarial:
            per_sample = torch.stack(
                [self.pseudo_label_loss(f, clean) for f in adv_feats]).mean(0)
            losses['loss_adv'] = self.w_adv * per_sample.mean()
            with torch.no_grad():
                losses['adv_flip'] = torch.stack([
                    self.pseudo_label_flipped(f, clean) for f in adv_feats
                ]).float().mean()
            losses['adv_win'] = 1 - losses['adv_flip']
            losses.update(self._hardness('adv', per_sample, clean))
        if mixed:
            per_sample = torch.stack([
                self.mixed_target_loss(f, m, clean)
                for f, m in zip(mix_feats, mixed)
            ]).mean(0)
            losses['loss_mix'] = self.w_mix * per_sample.mean()
            losses['mix_lam'] = torch.tensor(
                sum(m.lam for m in mixed) / len(mixed),
                device=per_sample.device)
            with torch.no_grad():
                losses['mix_win'] = 1 - torch.stack([
                    self.pseudo_label_flipped(f, clean) for f in mix_feats
                ]).float().mean()
            losses.update(self._hardness('mix', per_sample, clean))
        if clean.hard_clean_win is not None:
            losses['clean_win'] = clean.hard_clean_win
        return losses

    @staticmethod
    def _hardness(kind: str, per_sample: torch.Tensor,
                  clean: CleanPass) -> Dict[str, torch.Tensor]:
        """``<kind>_gap`` and ``<kind>_ratio`` of a kind's per-sample losses
        against the clean loss of the rows they were made from."""
        hard = per_sample.detach().mean()
        return {
            f'{kind}_gap': hard - clean.hard_clean_loss,
            f'{kind}_ratio': hard / clean.hard_clean_loss
        }

    def loss(self, inputs: List[torch.Tensor], data_samples: list,
             **kwargs) -> Dict[str, torch.Tensor]:
        """All losses of a batch, to be differentiated once.

        Returns:
            Dict[str, torch.Tensor]: ``loss_clean`` and, when on, ``loss_adv``
            and ``loss_mix`` (weighted; their sum is the training loss), plus
            the figures of :meth:`hard_pass`.
        """
        clean = self.clean_pass(inputs, data_samples)
        losses = dict(clean.losses)
        if self.with_hard_examples:
            grads = None
            if self.attack_needs_clean_grad:
                grads = list(
                    torch.autograd.grad(
                        losses['loss_clean'],
                        clean.attack_inputs,
                        retain_graph=True))
            losses.update(self.hard_pass(clean, grads))
        return losses

    def forward(self,
                inputs: List[torch.Tensor],
                data_samples: Optional[list] = None,
                mode: str = 'tensor',
                clean: Optional[CleanPass] = None):
        """MMSelfSup's modes, plus the two passes of :meth:`train_step`.

        ``'clean_pass'`` returns the clean losses (the output that a DDP
        wrapper sees) and the :class:`CleanPass`; ``'hard_pass'`` takes the
        latter back as ``clean``, after the clean loss's backward. Both
        passes go through ``forward`` so that a DDP wrapper sees both.
        """
        if mode == 'clean_pass':
            clean = self.clean_pass(inputs, data_samples)
            return clean.losses, clean
        if mode == 'hard_pass':
            if clean is None:
                raise RuntimeError(
                    f"{type(self).__name__}: mode='hard_pass' needs the "
                    "CleanPass of a mode='clean_pass' forward (after its "
                    'backward) as clean=')
            grads = [x.grad for x in clean.attack_inputs]
            if any(g is None for g in grads):
                raise RuntimeError(
                    f'{type(self).__name__}: the clean loss\'s backward left '
                    'no input gradient for the attack')
            return self.hard_pass(clean, grads)
        return super().forward(inputs, data_samples, mode)

    @property
    def two_pass_step(self) -> bool:
        """Whether a training step takes the clean and the hard backward
        passes one after the other (``reuse_clean_grad``)."""
        return self.reuse_clean_grad

    def train_step(self, data, optim_wrapper: OptimWrapper) -> dict:
        if self.two_pass_step:
            return self.two_pass_train_step(data, optim_wrapper)
        return super().train_step(data, optim_wrapper)

    def two_pass_train_step(self,
                            data,
                            optim_wrapper: OptimWrapper,
                            model: Optional[nn.Module] = None) -> dict:
        """One optimisation step in two backward passes.

        1. Clean pass: forward, backward (the weights' gradients and the
           attacked views' input gradient; under DDP without syncing).
        2. Hard pass: the attack takes its step from that input gradient, then
           forward and backward of the hard examples, which syncs the
           gradients of both passes; one optimizer step.

        Mixed precision, gradient accumulation and clipping work as in
        MMEngine's ``BaseModel.train_step``: the same ``optim_wrapper`` calls.

        Args:
            data: A batch from the data loader.
            optim_wrapper: MMEngine's optimizer wrapper.
            model: What runs the forward passes: this module (default) or its
                DDP wrapper.

        Returns:
            dict: The log variables of both passes (``loss`` is their sum).
        """
        model = self if model is None else model
        no_sync = getattr(model, 'no_sync', nullcontext)
        with optim_wrapper.optim_context(model), no_sync():
            data = self.data_preprocessor(data, True)
            losses, clean = compat.run_forward(model, data, mode='clean_pass')
        loss, _ = self.parse_losses(losses)
        # The two passes make one accumulation step: the first one's
        # backward must not count.
        compat.backward_uncounted(optim_wrapper,
                                  optim_wrapper.scale_loss(loss))
        with optim_wrapper.optim_context(model):
            hard = model(None, mode='hard_pass', clean=clean)
        loss, _ = self.parse_losses(hard)
        optim_wrapper.update_params(loss)
        return self.parse_losses({**losses, **hard})[1]
