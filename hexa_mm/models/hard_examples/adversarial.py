import math
from typing import Optional, Tuple

import torch
from torch import nn

from mmselfsup.registry import MODELS
from ..utils import bn_eval, pixel_bounds, running_stats_frozen
from .base import BaseHardExampleGenerator, HardExamples, PseudoLabelLoss


@MODELS.register_module()
class AdversarialGenerator(BaseHardExampleGenerator):
    """Adversarial examples by an L-inf projected sign-gradient attack.

    HEXA's first kind of hard example (Li et al., arXiv 2012.13493): a small
    perturbation ``d`` with ``|d| <= eps`` that maximises the pseudo-label loss, so
    that the current model mispredicts the view's pseudo-label. ``steps=1`` is FGSM
    (Goodfellow et al., 2015); more steps with a random start is PGD (Madry et al.,
    2018).

    The attack changes nothing in the model: input gradients are taken with
    :func:`torch.autograd.grad`, so weights' ``.grad`` are left alone, and BN
    running statistics are protected according to ``bn_mode``.

    Args:
        eps (float): L-inf bound, as a fraction of the [0, 1] pixel range, in
            (0, 1]. Converted per channel through the data preprocessor's std.
            Defaults to 2/255.
        step_size (float, optional): Step of each sign-gradient step, same units
            as ``eps``. Defaults to ``eps`` for one step (FGSM), else
            ``2.5 * eps / steps`` (Madry et al.).
        steps (int): Number of attack steps (>= 1). Defaults to 1.
        random_start (bool): Start from a uniform point of the eps-ball.
            Defaults to False.
        bn_mode (str): How BN normalises during the attack: ``'batch'`` uses the
            attacked batch's own statistics (as the training forward does) without
            updating running statistics; ``'running'`` uses the running statistics
            (BN in eval mode). Defaults to ``'batch'``.
        reference_size (int, optional): The input side at which ``eps`` and
            ``step_size`` hold; an input of side ``s`` (``sqrt(H * W)``) gets
            them times ``reference_size / s``. The first-order loss increase of
            a sign step is ``eps * ||grad||_1``, and that L1 norm shrinks with
            the pixel count: the paper's ``eps = 2/255`` was set for 224-pixel
            crops, and at 16 pixels it barely moves the loss (issue 15's logs).
            Scaling with the side (not the area, which would leave the L-inf
            ball) keeps one setting meaningful across resolutions, e.g. the
            ImageNet configs' 224 and 96 pixel crops. None: no scaling.
            Defaults to None.
        grad_scale (float): Factor on the summed loss before differentiation.
            Only the gradient's sign is used, so it changes nothing in full
            precision; under AMP it keeps fp16 input gradients from underflowing
            to zero. Defaults to 2**12.
        init_cfg (dict, optional): Unused; kept for the MMEngine interface.
    """

    BN_MODES = ('batch', 'running')

    def __init__(self,
                 eps: float = 2. / 255,
                 step_size: Optional[float] = None,
                 steps: int = 1,
                 random_start: bool = False,
                 bn_mode: str = 'batch',
                 reference_size: Optional[int] = None,
                 grad_scale: float = 2.**12,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not 0 < eps <= 1:
            raise ValueError(
                f'AdversarialGenerator: eps={eps!r} must lie in (0, 1], a fraction '
                'of the [0, 1] pixel range (e.g. 2/255)')
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(
                f'AdversarialGenerator: steps={steps!r} must be an int >= 1')
        if step_size is None:
            step_size = eps if steps == 1 else 2.5 * eps / steps
        if not 0 < step_size <= 1:
            raise ValueError(f'AdversarialGenerator: step_size={step_size!r} '
                             'must lie in (0, 1]')
        if bn_mode not in self.BN_MODES:
            raise ValueError(f'AdversarialGenerator: bn_mode={bn_mode!r}, '
                             f'allowed: {self.BN_MODES}')
        if reference_size is not None and (not isinstance(
                reference_size, int) or reference_size < 1):
            raise ValueError(f'AdversarialGenerator: reference_size='
                             f'{reference_size!r} must be an int >= 1 or None')
        if grad_scale <= 0:
            raise ValueError(
                f'AdversarialGenerator: grad_scale={grad_scale!r} must be > 0')
        self.eps = eps
        self.step_size = step_size
        self.steps = steps
        self.random_start = random_start
        self.bn_mode = bn_mode
        self.reference_size = reference_size
        self.grad_scale = grad_scale

    def scaled_bounds(self, inputs: torch.Tensor) -> Tuple[float, float]:
        """``(eps, step_size)`` for ``inputs`` (N, C, H, W), in the [0, 1]
        pixel range, after the ``reference_size`` scaling."""
        if self.reference_size is None:
            return self.eps, self.step_size
        scale = self.reference_size / math.sqrt(inputs.size(-2) *
                                                inputs.size(-1))
        eps = self.eps * scale
        if eps > 1:
            raise ValueError(
                f'AdversarialGenerator: eps={self.eps!r} at reference_size='
                f'{self.reference_size} is {eps:.3g} at the input side '
                f'{inputs.size(-2)}x{inputs.size(-1)}, more than the whole '
                'pixel range')
        return eps, self.step_size * scale

    def _input_grad(self, x: torch.Tensor, loss_fn: PseudoLabelLoss,
                    model: Optional[nn.Module]) -> torch.Tensor:
        """d(sum of the pseudo-label losses) / dx, the attack's direction."""
        x = x.detach().requires_grad_(True)
        guard = running_stats_frozen if self.bn_mode == 'batch' else bn_eval
        with torch.enable_grad(), guard(model if model is not None else
                                        nn.Identity()):
            loss = loss_fn(x).float().sum() * self.grad_scale
            grad, = torch.autograd.grad(loss, x)
        return grad

    def forward(self,
                inputs: torch.Tensor,
                loss_fn: Optional[PseudoLabelLoss] = None,
                data_preprocessor: Optional[nn.Module] = None,
                model: Optional[nn.Module] = None,
                input_grad: Optional[torch.Tensor] = None) -> HardExamples:
        """Attack ``inputs``; see :class:`BaseHardExampleGenerator`.

        Args:
            input_grad (Tensor, optional): The gradient of the pseudo-label
                loss at ``inputs``, at any positive scale (only its sign is
                used), when the caller already has it (e.g. from its clean
                pass's backward). It replaces the first step's forward and
                backward; ignored with ``random_start``.
        """
        if loss_fn is None and (self.steps > 1 or input_grad is None
                                or self.random_start):
            raise ValueError('AdversarialGenerator needs loss_fn')
        low, high, unit = pixel_bounds(data_preprocessor, inputs)
        eps, step = self.scaled_bounds(inputs)
        eps, step = eps * unit, step * unit
        clean = inputs.detach()
        x = clean
        if self.random_start:
            x = clean + (torch.rand_like(clean) * 2 - 1) * eps
            x = torch.clamp(x, low, high)
        for i in range(self.steps):
            if i == 0 and input_grad is not None and not self.random_start:
                grad = input_grad
            else:
                grad = self._input_grad(x, loss_fn, model)
            # An fp16 overflow would give inf - inf = nan; nan has no direction.
            x = x + step * torch.nan_to_num(grad, nan=0.).sign()
            x = torch.clamp(x, clean - eps, clean + eps)
            x = torch.clamp(x, low, high)
        return HardExamples(inputs=x.detach())
