"""Where a data preprocessor's normalised inputs live in pixel space."""
from typing import Optional, Tuple

import torch
from torch import nn

from ... import compat

#: ImgDataPreprocessor (and so SelfSupDataPreprocessor) works on 0-255 pixels.
PIXEL_MAX = 255.


def pixel_bounds(
    data_preprocessor: Optional[nn.Module],
    like: torch.Tensor,
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return the valid range of normalised inputs and the size of one unit.

    MMEngine's ``ImgDataPreprocessor`` feeds ``(pixel - mean) / std`` to the model,
    with pixels in [0, 255]. A perturbation given as a fraction of the [0, 1] pixel
    range (e.g. ``eps = 2/255``) therefore is ``eps * 255 / std`` per channel in the
    model's input space.

    Args:
        data_preprocessor: The model's data preprocessor. ``None``, or one with
            normalisation disabled, means the inputs are raw 0-255 pixels.
        like: A batch ``(N, C, H, W)`` whose device and dtype the result takes.

    Returns:
        tuple: ``(low, high, unit)``, each of shape ``(1, C, 1, 1)``: the
        normalised values of pixel 0 and pixel 255, and the normalised size of
        the whole [0, 1] pixel range (``255 / std``).
    """
    channels = like.shape[1]
    mean = torch.zeros(channels)
    std = torch.ones(channels)
    if compat.normalizes(data_preprocessor):
        mean = data_preprocessor.mean.detach().flatten().cpu()
        std = data_preprocessor.std.detach().flatten().cpu()
        if mean.numel() != channels:
            raise ValueError(
                f'data_preprocessor has mean/std for {mean.numel()} channels but '
                f'the inputs have {channels}')

    def shaped(t: torch.Tensor) -> torch.Tensor:
        return t.view(1, channels, 1, 1).to(device=like.device, dtype=like.dtype)

    low = shaped(-mean / std)
    high = shaped((PIXEL_MAX - mean) / std)
    unit = shaped(PIXEL_MAX / std)
    return low, high, unit
