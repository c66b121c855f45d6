import inspect
from contextlib import nullcontext
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mmselfsup.registry import MODELS
from ... import compat
from ..hard_examples import HardExamples, PseudoLabelLoss
from ..utils import running_stats_frozen
from .clean_pass import CleanPass

#: ``mix_mode`` values: cut-mixed examples beside the clean views (the
#: paper), or in place of some of them.
MIX_MODES = ('add', 'replace')


class HardExampleMixin:
    """HEXA's hard examples, shared by every HEXA algorithm.

    HEXA (`Self-supervised Pre-training with Hard Examples Improves Visual
    Representations <https://arxiv.org/abs/2012.13493>`_, Li et al.) trains
    an algorithm on adversarial and cut-mixed examples of its standard views
    beside the views themselves. The loss is ``w_clean * L_clean + w_adv *
    L_adv + w_mix * L_mix``. An algorithm declares only what is specific to
    its baseline:

    * :meth:`clean_pass`: the standard views' loss and updates (the baseline)
      and which views are attacked (:attr:`CleanPass.attack_inputs`);
    * :meth:`encode`: the features that its losses take;
    * :meth:`pseudo_label_loss`: each sample's loss against the pseudo-label
      of the view it was made from; the attack raises it, and it is
      ``L_adv`` on the adversarial examples;
    * :meth:`mixed_target_loss`: each cut-mixed sample's loss against the
      mixed pseudo-labels (``lam`` own, ``1 - lam`` its partner's): ``L_mix``;
    * :meth:`mixed_target_excess`: that loss minus what the soft target
      allows (its entropy), over the clean loss's pseudo-label columns and the
      partner's: the ``mix_ratio`` hardness figure.

    The hard examples of every attacked view go through one forward of their
    own (:meth:`hard_pass`), with BN on their own batch statistics and its
    running statistics untouched: those, which a frozen-BN probe uses, come
    from clean views only (adversarial views have other statistics: AdvProp,
    Xie et al., CVPR 2020). Their rows are interleaved (row ``i`` of every
    kind together), so that a split BN's sub-batch holds both kinds of the
    same images, as one GPU of a multi-GPU run does.

    With adversarial examples a training step takes two backward passes
    (:meth:`two_pass_train_step`): the clean loss's backward yields the
    weights' gradients and, at the attacked views, the attack's first-step
    gradient (the clean loss is the attack's pseudo-label loss at the same
    inputs, BN on the same batch statistics), so that step costs no forward
    or backward of its own; then the hard examples' backward and one
    optimizer step (under DDP: :class:`TwoPassDistributedDataParallel`).
    :meth:`loss`, for callers that differentiate once, lets the attack take
    that gradient itself.

    Hard-example settings (keyword arguments of every HEXA algorithm):

    Args:
        adversarial (dict, optional): Config of an ``AdversarialGenerator``;
            None: no adversarial examples.
        cutmix (dict, optional): Config of a ``CutMixGenerator``; None: no
            cut-mixed examples.
        w_clean (float): Weight of ``L_clean`` (>= 0). Defaults to 1.
        w_adv (float): Weight of ``L_adv``; 0 switches the adversarial
            examples off. Defaults to 1.
        w_mix (float): Weight of ``L_mix``; 0 switches the cut-mixed examples
            off. Defaults to 1.
        mix_mode (str): ``'add'``: cut-mixed examples of every attacked view
            beside it, in the hard examples' own forward (the paper).
            ``'replace'``: they take the place of the first
            ``replace_fraction`` of each attacked view's rows in the clean
            forward, at the baseline's cost (no hard forward; the data
            sampler shuffles, so the rows are a random subset; i-Mix, Lee et
            al., ICLR 2021, mixes in the same way). ``L_clean`` and ``L_mix``
            are then sums over their rows divided by the batch size: with
            weights of 1 their sum is the mean loss of the batch. Needs
            ``adversarial=None``: an attack starts from the clean views.
            Defaults to ``'add'``.
        replace_fraction (float): In ``'replace'`` mode, the fraction (0, 1]
            of rows that are cut-mixed. Defaults to 0.5.
    """

    def init_hard_examples(self,
                           adversarial: Optional[dict] = None,
                           cutmix: Optional[dict] = None,
                           w_clean: float = 1.,
                           w_adv: float = 1.,
                           w_mix: float = 1.,
                           mix_mode: str = 'add',
                           replace_fraction: float = 0.5) -> None:
        """Build the generators and check the settings (see the class)."""
        name = type(self).__name__
        for field, weight in (('w_clean', w_clean), ('w_adv', w_adv),
                              ('w_mix', w_mix)):
            if weight < 0:
                raise ValueError(f'{name}: {field}={weight!r} must be >= 0')
        if mix_mode not in MIX_MODES:
            raise ValueError(
                f'{name}: mix_mode={mix_mode!r}, allowed: {MIX_MODES}')
        if not 0 < replace_fraction <= 1:
            raise ValueError(f'{name}: replace_fraction={replace_fraction!r} '
                             'must lie in (0, 1]')
        self.adversarial = (
            MODELS.build(adversarial)
            if adversarial is not None and w_adv > 0 else None)
        self.cutmix = (
            MODELS.build(cutmix) if cutmix is not None and w_mix > 0 else None)
        if mix_mode == 'replace' and self.adversarial is not None:
            raise ValueError(
                f"{name}: mix_mode='replace' puts the cut-mixed examples in "
                'the clean forward, while the attack starts from the clean '
                "views; use mix_mode='add' with adversarial examples")
        if self.adversarial is not None and w_clean == 0:
            raise ValueError(
                f'{name}: the attack takes its first step from the clean '
                'loss\'s gradient, so adversarial examples need w_clean > 0')
        self.w_clean = w_clean
        self.w_adv = w_adv
        self.w_mix = w_mix
        self.mix_mode = mix_mode
        self.replace_fraction = replace_fraction

    #: The hard-example settings, which an algorithm's ``**kwargs`` hand to
    #: :meth:`init_hard_examples` (``hexa_mm.utils.validate_config`` reads
    #: them as fields of the algorithm).
    forwarded_fields = tuple(
        inspect.signature(init_hard_examples).parameters)[1:]

    @property
    def mixes_in_place(self) -> bool:
        """Whether cut-mixed examples replace clean rows (``'replace'``)."""
        return self.cutmix is not None and self.mix_mode == 'replace'

    @property
    def with_hard_pass(self) -> bool:
        """Whether hard examples go through a forward of their own."""
        return self.adversarial is not None or (self.cutmix is not None
                                                and not self.mixes_in_place)

    @property
    def two_pass_step(self) -> bool:
        """Whether a training step takes two backward passes: the attack's
        first step comes from the clean loss's backward."""
        return self.adversarial is not None

    # What each algorithm declares.

    def clean_pass(self,
                   inputs: List[torch.Tensor],
                   data_samples: list,
                   attack_grad: bool = False) -> CleanPass:
        """The standard views: the base algorithm's loss and updates.

        Args:
            inputs: The batch's views.
            data_samples: The batch's data samples.
            attack_grad: Make the attacked views leaves that require grad,
                so that the clean loss's backward leaves the attack its
                gradient in their ``.grad``.
        """
        raise NotImplementedError

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """The features (N, D) that the losses take, of one batch of views."""
        raise NotImplementedError

    def pseudo_label_loss(self, feats: torch.Tensor,
                          clean: CleanPass) -> torch.Tensor:
        """Per-sample loss (N,) of hard examples' features against the
        pseudo-labels of the attacked rows they were made from."""
        raise NotImplementedError

    def mixed_target_loss(self, feats: torch.Tensor, mixed: HardExamples,
                          clean: CleanPass) -> torch.Tensor:
        """Per-sample loss (n,) of the cut-mixed examples of the first ``n``
        attacked rows against their mixed pseudo-labels."""
        raise NotImplementedError

    def mixed_target_excess(self, feats: torch.Tensor, mixed: HardExamples,
                            clean: CleanPass) -> torch.Tensor:
        """Per-sample (n,) cross-entropy of the mixed target minus its
        entropy (the KL divergence from the target, 0 at best), over the
        clean loss's columns and the partner's."""
        raise NotImplementedError

    # Shared: the cut-mixed rows of 'replace' mode, the hard pass, the step.

    def mix_in_place(
            self,
            view: torch.Tensor) -> Tuple[torch.Tensor, Optional[HardExamples]]:
        """In ``'replace'`` mode, ``view`` (N, C, H, W) with its first
        ``replace_fraction`` of rows cut-mixed among themselves, and those
        rows' :class:`HardExamples`; else ``view`` and None."""
        if not self.mixes_in_place:
            return view, None
        n = max(1, round(self.replace_fraction * view.size(0)))
        mixed = self.cutmix(view[:n])
        return torch.cat([mixed.inputs, view[n:].detach()]), mixed

    def attack_loss(self, clean: CleanPass) -> PseudoLabelLoss:
        """The loss that the attack raises: :meth:`pseudo_label_loss` of the
        attacked images' features."""

        def loss_fn(images: torch.Tensor) -> torch.Tensor:
            return self.pseudo_label_loss(self.encode(images), clean)

        return loss_fn

    def make_hard_examples(
        self,
        clean: CleanPass,
        input_grads: Optional[List[torch.Tensor]] = None
    ) -> Tuple[List[HardExamples], List[HardExamples]]:
        """The adversarial and the cut-mixed examples of each attacked view
        (an empty list for a kind that is off).

        Args:
            clean: The batch's clean pass.
            input_grads: The clean loss's gradient at each of
                ``clean.attack_inputs``: the attack's first step. None: the
                attack computes it.
        """
        views = [x.detach() for x in clean.attack_inputs]
        adversarial, mixed = [], []
        if self.adversarial is not None:
            grads = input_grads or [None] * len(views)
            loss_fn = self.attack_loss(clean)
            adversarial = [
                self.adversarial(view, loss_fn, self.data_preprocessor,
                                 model=self, first_grad=grad)
                for view, grad in zip(views, grads)
            ]
        if self.cutmix is not None and not self.mixes_in_place:
            mixed = [self.cutmix(view) for view in views]
        return adversarial, mixed

    def encode_hard_examples(
            self, batches: List[torch.Tensor]) -> List[torch.Tensor]:
        """Features of the hard batches (each N rows) from one forward, BN
        on their statistics, running statistics untouched; rows
        interleaved (see the class)."""
        n = batches[0].size(0)
        with running_stats_frozen(self):
            feats = self.encode(torch.stack(batches, dim=1).flatten(0, 1))
        return list(feats.view(n, len(batches), -1).unbind(dim=1))

    def mixing_figures(self, feats: List[torch.Tensor],
                       mixed: List[HardExamples],
                       clean: CleanPass) -> Dict[str, torch.Tensor]:
        """``mix_lam``: the cut-mixed examples' mean ``lam``; ``mix_ratio``:
        their mean :meth:`mixed_target_excess` over the clean loss of the
        clean rows (absent when no row stayed clean)."""
        figures = dict(mix_lam=torch.tensor(
            sum(m.lam for m in mixed) / len(mixed), device=feats[0].device))
        if clean.hard_clean_loss is not None:
            with torch.no_grad():
                excess = torch.cat([
                    self.mixed_target_excess(f.detach(), m, clean)
                    for f, m in zip(feats, mixed)
                ]).mean()
            figures['mix_ratio'] = excess / clean.hard_clean_loss
        return figures

    def hard_pass(self,
                  clean: CleanPass,
                  input_grads: Optional[List[torch.Tensor]] = None
                  ) -> Dict[str, torch.Tensor]:
        """The hard examples' losses and hardness figures.

        Args:
            clean: The batch's clean pass.
            input_grads: The clean loss's gradient at each of
                ``clean.attack_inputs`` (see :meth:`make_hard_examples`).

        Returns:
            Dict[str, torch.Tensor]: ``loss_adv`` and ``loss_mix`` when on
            (weighted), and, against the clean loss of the rows they were
            made from, ``adv_ratio`` (the adversarial examples' mean
            pseudo-label loss over it) and :meth:`mixing_figures`.
        """
        adversarial, mixed = self.make_hard_examples(clean, input_grads)
        feats = self.encode_hard_examples(
            [h.inputs for h in adversarial + mixed])
        adv_feats, mix_feats = feats[:len(adversarial)], feats[len(adversarial):]
        losses = {}
        if adversarial:
            per_sample = torch.stack(
                [self.pseudo_label_loss(f, clean) for f in adv_feats]).mean(0)
            losses['loss_adv'] = self.w_adv * per_sample.mean()
            losses['adv_ratio'] = (
                per_sample.detach().mean() / clean.hard_clean_loss)
        if mixed:
            per_sample = torch.stack([
                self.mixed_target_loss(f, m, clean)
                for f, m in zip(mix_feats, mixed)
            ]).mean(0)
            losses['loss_mix'] = self.w_mix * per_sample.mean()
            losses.update(self.mixing_figures(mix_feats, mixed, clean))
        return losses

    def loss(self, inputs: List[torch.Tensor], data_samples: list,
             **kwargs) -> Dict[str, torch.Tensor]:
        """All losses of a batch, to be differentiated once (the attack
        computes its own gradient).

        Returns:
            Dict[str, torch.Tensor]: ``loss_clean`` and, when on, ``loss_adv``
            and ``loss_mix`` (weighted; their sum is the training loss), plus
            the figures of :meth:`hard_pass`.
        """
        clean = self.clean_pass(inputs, data_samples)
        losses = dict(clean.losses)
        if self.with_hard_pass:
            losses.update(self.hard_pass(clean))
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
            clean = self.clean_pass(inputs, data_samples, attack_grad=True)
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
        2. Hard pass: the attack takes its first step from that input
           gradient, then forward and backward of the hard examples, which
           syncs the gradients of both passes; one optimizer step.

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
