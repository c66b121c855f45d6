"""The rules that bind HEXA's hard-example fields together, and the
resize that ``hard_size`` makes: pure functions of the fields and tensors,
apart from the algorithms that use them (:class:`HardExampleMixin`)."""
import torch
import torch.nn.functional as F


def check_reuse_clean_grad(model) -> None:
    """The rules of ``reuse_clean_grad=True`` for ``model`` (a
    :class:`HardExampleMixin` algorithm with an attack).

    The attack's first step may come from the clean loss's gradient at
    the attacked views only when that gradient is the attack's own:

    1. ``w_clean > 0``: the clean loss is where the gradient comes from.
    2. ``adversarial.bn_mode='batch'``: the clean pass normalises by
       batch statistics, as the attack must.
    3. ``adversarial.random_start=False``: a random start moves the first
       step away from the clean input.
    4. ``hard_bn`` other than ``'shared'``: a shared forward encodes the
       clean and the hard views together, after the attack.
    5. ``hard_size=None``: the clean gradient is taken at the full-size
       views, the attack's at the smaller copies.

    Under DDP the two backward passes need
    ``model_wrapper_cfg=dict(type='TwoPassDistributedDataParallel')``
    (checked by :func:`hexa_mm.utils.validate_config`).

    Raises:
        ValueError: The first rule broken.
    """
    prefix = f'{type(model).__name__}: reuse_clean_grad=True: '
    if model.w_clean == 0:
        raise ValueError(prefix + 'the clean loss is where the gradient '
                         'comes from, got w_clean=0')
    if model.adversarial.bn_mode != 'batch':
        raise ValueError(prefix + 'the clean pass normalises by batch '
                         'statistics, got adversarial.bn_mode='
                         f'{model.adversarial.bn_mode!r}')
    if model.adversarial.random_start:
        raise ValueError(prefix + 'a random start moves the first step '
                         'away from the clean input '
                         '(adversarial.random_start=True)')
    if model.hard_bn == 'shared':
        raise ValueError(prefix + "hard_bn='shared' encodes the clean and "
                         'hard views in one forward, after the attack')
    if model.hard_size is not None:
        raise ValueError(prefix + f'hard_size={model.hard_size}: the clean '
                         'gradient is at the full-size views, not at '
                         'their smaller copies')


def shrink_to_side(view: torch.Tensor, side: int, owner: str) -> torch.Tensor:
    """A copy of ``view`` (N, C, H, W) whose shorter side is ``side``
    (antialiased bilinear, on the normalised pixels: the preprocessor's
    normalisation is affine per channel, so this is the resize of the raw
    pixels, normalised); ``view`` itself at its own side.

    Raises:
        ValueError: ``side`` is above the view's shorter side (an upsampled
            copy costs more, not less); the message names ``owner``.
    """
    height, width = view.shape[-2:]
    shorter = min(height, width)
    if side > shorter:
        raise ValueError(
            f'{owner}: hard_size={side} is above the attacked views\' '
            f'shorter side ({height}x{width})')
    if side == shorter:
        return view
    size = (round(height * side / shorter), round(width * side / shorter))
    return F.interpolate(
        view, size=size, mode='bilinear', align_corners=False, antialias=True)
