"""Gaussian blur of a batch, each sample with its own sigma."""
from typing import Dict

import torch
import torch.nn.functional as F

from mmselfsup.registry import MODELS
from .base import BaseBatchAugment

#: PIL's GaussianBlur: this many box blurs per direction.
PASSES = 3
#: PIL's box passes weigh pixels in 24-bit fixed point.
FIXED_ONE = float(1 << 24)


def pil_box_radius(sigma: torch.Tensor) -> torch.Tensor:
    """The fractional box radius with which PIL approximates a Gaussian of
    standard deviation ``sigma`` by three box blurs (Gwosdek et al., 2011;
    Pillow's ``_gaussian_blur_radius``, in float32 as there)."""
    sigma = sigma.float()
    sigma2 = sigma * sigma / PASSES
    length = torch.sqrt(12.0 * sigma2 + 1.0)
    whole = torch.floor((length - 1.0) / 2.0)
    frac = (2 * whole + 1) * (whole * (whole + 1) - 3 * sigma2)
    frac = frac / (6 * (sigma2 - (whole + 1) * (whole + 1)))
    return whole + frac


def pil_box_kernels(sigma: torch.Tensor, size: int) -> torch.Tensor:
    """Per sigma (N,), the integer 1-D kernel (N, size) of one of PIL's box
    passes (``ImagingHorizontalBoxBlur``): ``ww`` on the ``2l + 1`` central
    taps and ``fw`` on the two next ones, in units of 2**-24 (float64)."""
    radius = pil_box_radius(sigma)
    whole = radius.long()
    # float32 division, as in C (UINT32 / float), then truncated.
    ww = torch.floor(FIXED_ONE / (radius * 2 + 1)).double()
    fw = torch.div(FIXED_ONE - (2 * whole + 1).double() * ww, 2,
                   rounding_mode='floor')
    half = (size - 1) // 2
    taps = torch.arange(-half, half + 1).abs()
    whole = whole.view(-1, 1)
    return torch.where(taps <= whole, ww.view(-1, 1),
                       torch.where(taps == whole + 1, fw.view(-1, 1),
                                   torch.zeros((), dtype=torch.float64)))


@MODELS.register_module()
class BatchGaussianBlur(BaseBatchAugment):
    """MMSelfSup's ``RandomGaussianBlur`` on a batch.

    A transformed sample draws sigma uniformly in ``[sigma_min, sigma_max]``
    and is blurred as MMSelfSup blurs it, with
    ``PIL.ImageFilter.GaussianBlur(radius=sigma)``: three box blurs of
    fractional radius along each axis, edge pixels repeated, each pass rounded
    to integers as PIL's 8-bit passes are (PIL's fixed-point weights, in
    float64, so the rounding is PIL's). Each pass is one grouped convolution
    over every selected sample and channel at once.

    Args:
        sigma_min (float): Smallest sigma (> 0).
        sigma_max (float): Largest sigma (>= sigma_min).
        prob (float): Probability that a sample is blurred.
    """

    def __init__(self,
                 sigma_min: float,
                 sigma_max: float,
                 prob: float = 0.5) -> None:
        super().__init__(prob)
        if not 0 < sigma_min <= sigma_max:
            raise ValueError(f'BatchGaussianBlur: sigma range ({sigma_min}, '
                             f'{sigma_max}) needs 0 < sigma_min <= sigma_max')
        self.sigma_min = float(sigma_min)
        self.sigma_max = float(sigma_max)
        # Every sample's box fits into the largest sigma's.
        largest = int(pil_box_radius(torch.tensor(self.sigma_max)))
        self.kernel_size = 2 * largest + 3

    def sample(self, n: int,
               generator: torch.Generator) -> Dict[str, torch.Tensor]:
        params = super().sample(n, generator)
        params['sigma'] = torch.empty(n, dtype=torch.float64).uniform_(
            self.sigma_min, self.sigma_max, generator=generator)
        return params

    def transform(self, images: torch.Tensor,
                  params: Dict[str, torch.Tensor]) -> torch.Tensor:
        if not bool(params['apply'].any()):
            return images
        chosen = self.selected(params, images.device)
        sigma = params['sigma'][params['apply']]
        n, c, h, w = len(sigma), *images.shape[1:]
        # Samples x channels are the groups of one depthwise convolution, in
        # float64: PIL's integer sums (< 2**35) and its rounding, exactly.
        kernels = pil_box_kernels(sigma, self.kernel_size).repeat_interleave(
            c, 0).to(images.device, non_blocking=True)
        pad = self.kernel_size // 2
        x = images[chosen].reshape(1, n * c, h, w).double()
        for weight, padding in ((kernels.view(n * c, 1, 1, -1),
                                 (pad, pad, 0, 0)),
                                (kernels.view(n * c, 1, -1, 1),
                                 (0, 0, pad, pad))):
            for _ in range(PASSES):
                x = F.conv2d(
                    F.pad(x, padding, mode='replicate'), weight, groups=n * c)
                x = torch.floor((x + FIXED_ONE / 2) / FIXED_ONE)
        images = images.clone()
        images[chosen] = x.view(n, c, h, w).to(images.dtype).clamp_(0, 255)
        return images

    def cpu_transform(self) -> dict:
        return dict(
            type='RandomGaussianBlur',
            sigma_min=self.sigma_min,
            sigma_max=self.sigma_max,
            prob=self.prob)

    def extra_repr(self) -> str:
        return (f'sigma_min={self.sigma_min}, sigma_max={self.sigma_max}, '
                f'prob={self.prob}')
