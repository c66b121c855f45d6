"""Colour jitter of a batch, each sample with its own factors and order."""
from numbers import Number
from typing import Dict, Optional, Sequence, Tuple, Union

import torch

from mmselfsup.registry import MODELS
from ... import compat
from .base import BaseBatchAugment

Range = Union[float, Sequence[float]]

#: PIL's "L" conversion, which ImageEnhance's contrast and colour use:
#: L = (R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16.
_PIL_LUMA = (19595., 38470., 7471.)


def pil_luma(images: torch.Tensor) -> torch.Tensor:
    """PIL's integer luma of RGB images (N, 3, H, W) -> (N, 1, H, W); exact in
    float32 (sums stay below 2**24)."""
    weights = images.new_tensor(_PIL_LUMA).view(1, 3, 1, 1)
    return torch.floor(((images * weights).sum(1, keepdim=True) + 32768.) /
                       65536.)


def pil_blend(degenerate: torch.Tensor, images: torch.Tensor,
              factor: torch.Tensor) -> torch.Tensor:
    """``PIL.Image.blend(degenerate, images, factor)`` per sample: float32
    ``degenerate + factor * (images - degenerate)``, clipped and truncated to
    integers as PIL's uint8 result is."""
    factor = factor.view(-1, 1, 1, 1)
    return (degenerate + factor * (images - degenerate)).clamp_(0,
                                                                255).floor_()


def adjust_brightness(images: torch.Tensor,
                      factor: torch.Tensor) -> torch.Tensor:
    """``ImageEnhance.Brightness``: a blend with black."""
    return pil_blend(torch.zeros_like(images), images, factor)


def adjust_contrast(images: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """``ImageEnhance.Contrast``: a blend with the image's mean luma, rounded
    to an integer as PIL does."""
    mean = torch.floor(pil_luma(images).mean((1, 2, 3), keepdim=True) + 0.5)
    return pil_blend(mean.expand_as(images), images, factor)


def adjust_saturation(images: torch.Tensor,
                      factor: torch.Tensor) -> torch.Tensor:
    """``ImageEnhance.Color``: a blend with the image's own luma."""
    return pil_blend(pil_luma(images).expand_as(images), images, factor)


def adjust_hue(images: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Rotate each sample's hue by ``factor`` of a turn, in HSV (what MMCV's
    ``adjust_hue`` does in PIL's 8-bit HSV; here in float, then rounded)."""
    rgb_to_hsv, hsv_to_rgb = compat.torchvision_hsv_conversions()
    hsv = rgb_to_hsv(images / 255.)
    hue = (hsv[:, 0] + factor.view(-1, 1, 1)).remainder_(1.0)
    hsv = torch.stack((hue, hsv[:, 1], hsv[:, 2]), dim=1)
    return (hsv_to_rgb(hsv) * 255.).round_().clamp_(0, 255)


#: MMSelfSup ColorJitter's function indices: 0 brightness, 1 contrast,
#: 2 saturation, 3 hue.
_OPS = (adjust_brightness, adjust_contrast, adjust_saturation, adjust_hue)
_NAMES = ('brightness', 'contrast', 'saturation', 'hue')


def _factor_range(value: Range, name: str, center: float,
                  bound: Tuple[float, float],
                  clip_first_on_zero: bool) -> Optional[Tuple[float, float]]:
    """MMSelfSup ColorJitter's ``_check_input``: a number v gives
    [center - v, center + v] (clipped at 0 for the multiplicative factors);
    a pair is taken as it is; a range that is only ``center`` means off."""
    if isinstance(value, Number):
        if value < 0:
            raise ValueError(f'BatchColorJitter: {name}={value!r} must be >= 0')
        low, high = center - float(value), center + float(value)
        if clip_first_on_zero:
            low = max(low, 0.0)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        low, high = float(value[0]), float(value[1])
    else:
        raise TypeError(f'BatchColorJitter: {name}={value!r} must be a number '
                        'or a (min, max) pair')
    if not bound[0] <= low <= high <= bound[1]:
        raise ValueError(f'BatchColorJitter: {name} range ({low}, {high}) must '
                         f'lie in {bound} with min <= max')
    return None if low == high == center else (low, high)


@MODELS.register_module()
class BatchColorJitter(BaseBatchAugment):
    """MMSelfSup's ``RandomApply([ColorJitter(...)], prob)`` on a batch.

    As the CPU transform (which calls MMCV's PIL-backed ``adjust_*``), each
    transformed sample draws its own brightness, contrast and saturation
    factors, its own hue shift (uniform in their ranges) and its own order of
    the four operations (a uniform random permutation); every operation
    reproduces PIL's arithmetic, its uint8 truncation included. Only the hue
    differs by design: PIL rotates hue in 8-bit HSV, here in float HSV, so a
    pixel may differ by a few levels (see tests).

    Args:
        brightness, contrast, saturation (float | (float, float)): ``v`` draws
            factors in ``[max(0, 1 - v), 1 + v]``; a pair is the range itself.
        hue (float | (float, float)): ``v`` in [0, 0.5] draws shifts in
            ``[-v, v]`` of a turn.
        prob (float): Probability that a sample is jittered (RandomApply's).
    """

    def __init__(self,
                 brightness: Range = 0.,
                 contrast: Range = 0.,
                 saturation: Range = 0.,
                 hue: Range = 0.,
                 prob: float = 1.0) -> None:
        super().__init__(prob)
        self.config = dict(
            brightness=brightness,
            contrast=contrast,
            saturation=saturation,
            hue=hue)
        self.ranges = [
            _factor_range(brightness, 'brightness', 1., (0, float('inf')), True),
            _factor_range(contrast, 'contrast', 1., (0, float('inf')), True),
            _factor_range(saturation, 'saturation', 1., (0, float('inf')),
                          True),
            _factor_range(hue, 'hue', 0., (-0.5, 0.5), False),
        ]

    def sample(self, n: int,
               generator: torch.Generator) -> Dict[str, torch.Tensor]:
        params = super().sample(n, generator)
        # argsort of i.i.d. uniforms: a uniform random permutation per sample.
        params['order'] = torch.rand(n, 4, generator=generator).argsort(1)
        factors = torch.zeros(n, 4)
        for i, span in enumerate(self.ranges):
            if span is not None:
                factors[:, i] = torch.empty(n).uniform_(
                    *span, generator=generator)
        params['factors'] = factors
        return params

    def transform(self, images: torch.Tensor,
                  params: Dict[str, torch.Tensor]) -> torch.Tensor:
        apply, order = params['apply'], params['order']
        if not bool(apply.any()):
            return images
        images = images.clone()
        factors = params['factors'].to(images.device, non_blocking=True)
        for step in range(4):
            for op, span in enumerate(self.ranges):
                if span is None:
                    continue
                chosen = (apply & (order[:, step] == op)).nonzero().flatten()
                if chosen.numel() == 0:
                    continue
                chosen = chosen.to(images.device, non_blocking=True)
                images[chosen] = _OPS[op](images[chosen], factors[chosen, op])
        return images

    def cpu_transform(self) -> dict:
        return dict(
            type='RandomApply',
            transforms=[dict(type='ColorJitter', **self.config)],
            prob=self.prob)

    def extra_repr(self) -> str:
        ranges = ', '.join(f'{name}={span}'
                           for name, span in zip(_NAMES, self.ranges))
        return f'{ranges}, prob={self.prob}'
