from contextlib import nullcontext
from dataclasses import dataclass
from typing import ContextManager, Dict, List, Optional

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mmselfsup.registry import MODELS
from ..utils import running_stats_frozen


@dataclass
class CleanPass:
    """What the hard pass of a batch needs from its clean pass.

    Attributes:
        losses: The clean pass's losses and figures (``loss_clean``).
        attack_inputs: The views the adversarial generator perturbs. When the
            attack reuses the clean gradient, they are leaves that require
            grad, and the clean loss's backward leaves their input gradient
            in ``.grad``.
    """
    losses: Dict[str, torch.Tensor]
    attack_inputs: List[torch.Tensor]


class HardExampleMixin:
    """What every HEXA algorithm shares: generators, loss weights, BN mode and
    the training step.

    HEXA (Li et al., arXiv 2012.13493) adds adversarial and cut-mixed examples to
    an algorithm's standard views; each kind has a generator config (None: off)
    and a loss weight (0: off). An algorithm splits its loss into
    :meth:`clean_pass` (the standard views: the base algorithm's loss and
    updates) and :meth:`hard_pass` (the hard examples made from them).

    ``hard_bn`` says how BN treats the hard examples' training forward (a project
    choice; the paper is silent):

    * ``'separate'`` (default): hard examples form their own BN batch and BN
      running statistics do not absorb them, so the running statistics that a
      frozen-BN linear probe uses come from clean views only (adversarial views
      have other BN statistics: AdvProp, Xie et al., CVPR 2020).
    * ``'separate_tracked'``: own BN batch; running statistics absorb them.
    * ``'shared'`` (where the algorithm supports it): one forward with the clean
      views, so they share batch statistics and running statistics absorb them.

    ``reuse_clean_grad`` takes the attack's (first) step from the gradient of
    the clean loss at the attacked views. The clean views' loss is the attack's
    pseudo-label loss at the same inputs, so this is the attack's own first step
    (with BN on the clean batch's statistics), and the training step gets it for
    free: :meth:`train_step` runs two backward passes, the clean loss's (which
    yields the weights' gradients and the input gradient together), then the
    hard examples', and one optimizer step (MMEngine's pattern for a custom
    optimisation step; under DDP, :class:`TwoPassDistributedDataParallel`). The
    attack then costs no forward or backward of its own. :meth:`loss`, for
    callers that differentiate the losses once, takes the same gradient with
    :func:`torch.autograd.grad` instead.
    """

    HARD_BN_MODES = ('separate', 'separate_tracked', 'shared')

    def init_hard_examples(self,
                           adversarial: Optional[dict],
                           cutmix: Optional[dict],
                           w_clean: float,
                           w_adv: float,
                           w_mix: float,
                           hard_bn: str,
                           reuse_clean_grad: bool = False) -> None:
        name = type(self).__name__
        for field, weight in (('w_clean', w_clean), ('w_adv', w_adv),
                              ('w_mix', w_mix)):
            if weight < 0:
                raise ValueError(f'{name}: {field}={weight!r} must be >= 0')
        if hard_bn not in self.HARD_BN_MODES:
            raise ValueError(f'{name}: hard_bn={hard_bn!r}, allowed: '
                             f'{self.HARD_BN_MODES}')
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
        reuse_clean_grad = reuse_clean_grad and self.adversarial is not None
        if reuse_clean_grad:
            adv = self.adversarial
            problem = (
                'the clean loss is where the gradient comes from, got '
                'w_clean=0' if w_clean == 0 else
                f'the clean pass normalises by batch statistics, got '
                f'adversarial.bn_mode={adv.bn_mode!r}' if adv.bn_mode != 'batch'
                else 'a random start moves the first step away from the clean '
                'input (adversarial.random_start=True)' if adv.random_start else
                "hard_bn='shared' encodes the clean and hard views in one "
                'forward, after the attack' if hard_bn == 'shared' else None)
            if problem:
                raise ValueError(f'{name}: reuse_clean_grad=True: {problem}')
        self.reuse_clean_grad = reuse_clean_grad
        self._pending_clean_pass: Optional[CleanPass] = None

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

    def clean_pass(self, inputs: List[torch.Tensor],
                   data_samples: list) -> CleanPass:
        """The standard views: the base algorithm's loss and updates."""
        raise NotImplementedError

    def hard_pass(self, clean: CleanPass,
                  input_grads: Optional[List[torch.Tensor]]
                  ) -> Dict[str, torch.Tensor]:
        """The hard examples' losses and figures.

        Args:
            clean: The batch's clean pass.
            input_grads: Gradient of the clean loss at each of
                ``clean.attack_inputs`` when the attack reuses it, else None.
        """
        raise NotImplementedError

    def loss(self, inputs: List[torch.Tensor], data_samples: list,
             **kwargs) -> Dict[str, torch.Tensor]:
        """All losses of a batch, to be differentiated once.

        Returns:
            Dict[str, torch.Tensor]: ``loss_clean`` and, when on, ``loss_adv``
            and ``loss_mix`` (weighted; their sum is the training loss), plus
            the figures each algorithm logs.
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
                mode: str = 'tensor'):
        """MMSelfSup's modes, plus the two passes of :meth:`train_step`.

        ``'clean_pass'`` returns the clean losses and keeps the pass for the
        ``'hard_pass'`` that follows its backward; the passes go through
        ``forward`` so that a DDP wrapper sees both.
        """
        if mode == 'clean_pass':
            self._pending_clean_pass = self.clean_pass(inputs, data_samples)
            return self._pending_clean_pass.losses
        if mode == 'hard_pass':
            clean, self._pending_clean_pass = self._pending_clean_pass, None
            if clean is None:
                raise RuntimeError(
                    f"{type(self).__name__}: mode='hard_pass' needs a "
                    "mode='clean_pass' forward (and its backward) first")
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
            clean = model._run_forward(data, mode='clean_pass')
        loss, _ = self.parse_losses(clean)
        _backward_before_the_last(optim_wrapper, optim_wrapper.scale_loss(loss))
        with optim_wrapper.optim_context(model):
            hard = model._run_forward(data, mode='hard_pass')
        loss, _ = self.parse_losses(hard)
        optim_wrapper.update_params(loss)
        return self.parse_losses({**clean, **hard})[1]


def _backward_before_the_last(optim_wrapper: OptimWrapper,
                              loss: torch.Tensor) -> None:
    """A backward pass of a step that takes more than one.

    ``OptimWrapper.backward`` counts every call as one accumulation step
    (``_inner_count`` decides when to step and when DDP syncs); the passes of
    one step must count once, so the earlier passes give their count back.
    """
    optim_wrapper.backward(loss)
    optim_wrapper._inner_count -= 1
