from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import nn

from mmselfsup.registry import MODELS
from ..utils import pixel_bounds, running_stats_frozen
from .base import HardExamples, PseudoLabelLoss


@MODELS.register_module()
class AdversarialGenerator(BaseModule):
    """Adversarial examples by an L-inf projected sign-gradient attack.

    HEXA's first kind of hard example (Li et al., arXiv 2012.13493): a small
    perturbation ``d`` with ``|d| <= eps`` that maximises the pseudo-label loss,
    so that the current model mispredicts the view's pseudo-label, found by a
    few projected sign-gradient steps. One step is FGSM (Goodfellow et al.,
    2015), more steps PGD (Madry et al., 2018) from the clean view.

    The attack changes nothing in the model: input gradients are taken with
    :func:`torch.autograd.grad`, so weights' ``.grad`` are left alone, and BN
    normalises with the attacked batch's own statistics (as the training
    forward does) without updating its running statistics.

    Args:
        eps (float): L-inf bound, as a fraction of the [0, 1] pixel range, in
            (0, 1]; converted per channel through the data preprocessor's
            std. Defaults to 2/255 (the paper gives no value; ours).
        steps (int): Number of attack steps (>= 1). Defaults to 1.
        step_size (float, optional): Step of each sign-gradient step, same
            units as ``eps``. Defaults to ``eps`` for one step (FGSM), else
            ``2.5 * eps / steps`` (Madry et al.).
        init_cfg (dict, optional): Unused; kept for the MMEngine interface.
    """

    #: Factor on the summed loss before differentiation. Only the gradient's
    #: sign is used, so it changes nothing in full precision; under AMP it
    #: keeps fp16 input gradients from underflowing to zero.
    GRAD_SCALE = 2.**12

    def __init__(self,
                 eps: float = 2. / 255,
                 steps: int = 1,
                 step_size: Optional[float] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not 0 < eps <= 1:
            raise ValueError(
                f'AdversarialGenerator: eps={eps!r} must lie in (0, 1], a '
                'fraction of the [0, 1] pixel range (e.g. 2/255)')
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(
                f'AdversarialGenerator: steps={steps!r} must be an int >= 1')
        if step_size is None:
            step_size = eps if steps == 1 else 2.5 * eps / steps
        if not 0 < step_size <= 1:
            raise ValueError(f'AdversarialGenerator: step_size={step_size!r} '
                             'must lie in (0, 1]')
        self.eps = eps
        self.steps = steps
        self.step_size = step_size

    def input_grad(self, x: torch.Tensor, loss_fn: PseudoLabelLoss,
                   model: Optional[nn.Module]) -> torch.Tensor:
        """d(sum of the pseudo-label losses) / dx: the attack's direction."""
        x = x.detach().requires_grad_(True)
        with torch.enable_grad(), running_stats_frozen(
                model if model is not None else nn.Identity()):
            loss = loss_fn(x).float().sum() * self.GRAD_SCALE
            grad, = torch.autograd.grad(loss, x)
        return grad

    def forward(self,
                inputs: torch.Tensor,
                loss_fn: Optional[PseudoLabelLoss],
                data_preprocessor: Optional[nn.Module],
                model: Optional[nn.Module] = None,
                first_grad: Optional[torch.Tensor] = None) -> HardExamples:
        """Attack the batch ``inputs``.

        Args:
            inputs: Normalised images (N, C, H, W), as the model receives them.
            loss_fn: Per-sample pseudo-label loss under the current model;
                needed for every step whose gradient is not given.
            data_preprocessor: The preprocessor that normalised ``inputs``: it
                tells where pixel values 0 and 255 lie.
            model: The module(s) ``loss_fn`` runs, whose BN running statistics
                the attack leaves alone.
            first_grad: The gradient of the pseudo-label loss at ``inputs``
                at any positive scale (only its sign is used), when the
                caller already has it: HEXA's training step takes it from the
                clean loss's backward, which yields it along with the
                weights' gradients. It replaces the first step's forward and
                backward.
        """
        if loss_fn is None and (first_grad is None or self.steps > 1):
            raise ValueError(
                'AdversarialGenerator needs loss_fn for every step whose '
                'gradient is not given (first_grad)')
        low, high, unit = pixel_bounds(data_preprocessor, inputs)
        eps, step = self.eps * unit, self.step_size * unit
        clean = inputs.detach()
        x = clean
        for i in range(self.steps):
            grad = (first_grad if i == 0 and first_grad is not None else
                    self.input_grad(x, loss_fn, model))
            # An fp16 overflow would give inf - inf = nan; nan has no direction.
            x = x + step * torch.nan_to_num(grad, nan=0.).sign()
            x = torch.clamp(x, clean - eps, clean + eps)
            x = torch.clamp(x, low, high)
        return HardExamples(inputs=x.detach())
