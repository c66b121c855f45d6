import numpy as np
import torch
import torch.nn.functional as F

from mmselfsup.datasets.transforms.processing import RandomResizedCrop
from mmselfsup.registry import TRANSFORMS


@TRANSFORMS.register_module()
class TorchRandomResizedCrop(RandomResizedCrop):
    """MMSelfSup's ``RandomResizedCrop`` that resizes with torch's antialiased
    bilinear interpolation of uint8 images instead of PIL's.

    The crop box is drawn exactly as MMSelfSup draws it (same method, same
    random draws). torch's kernel is PIL's algorithm (a bilinear filter
    widened by the downscale factor) with a vectorised uint8 path: on
    ImageNet-size crops it is about 8x faster than MMCV's PIL path (which
    converts the array to a PIL image and back), and its pixels differ from
    PIL's by at most 1 level (0.1-0.2 on average; see tests). It is the crop
    of the device-augmentation configs, where the crops are most of the CPU's
    remaining work; ``--cpu-augment`` brings back MMSelfSup's own crop.

    Args:
        size, scale, ratio, max_attempts: ``RandomResizedCrop``'s.
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3. / 4., 4. / 3.),
                 max_attempts: int = 10) -> None:
        super().__init__(
            size, scale=scale, ratio=ratio, max_attempts=max_attempts,
            interpolation='bilinear', backend='pillow')

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.dtype != np.uint8 or img.ndim != 3:
            raise TypeError('TorchRandomResizedCrop: needs an HxWxC uint8 '
                            f'image, got {img.dtype} of shape {img.shape} '
                            f'({results.get("img_path", "no path")})')
        ymin, xmin, ymax, xmax = self.get_params(img, self.scale, self.ratio,
                                                 self.max_attempts)
        crop = torch.from_numpy(img[ymin:ymax + 1, xmin:xmax + 1])
        # NCHW view of an HWC crop; channels-last is the layout of torch's
        # fast uint8 antialiased kernel.
        crop = crop.permute(2, 0, 1)[None].contiguous(
            memory_format=torch.channels_last)
        out = F.interpolate(
            crop, size=tuple(self.size), mode='bilinear', antialias=True,
            align_corners=False)
        results['img'] = np.ascontiguousarray(out[0].permute(1, 2, 0).numpy())
        results['img_shape'] = results['img'].shape[:2]
        return results
