"""A data preprocessor that runs the view augmentations on the device."""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.dist import get_rank
from torch import nn

from mmselfsup.models.utils import SelfSupDataPreprocessor
from mmselfsup.registry import MODELS
from ... import compat


@MODELS.register_module()
class DeviceAugDataPreprocessor(SelfSupDataPreprocessor):
    """MMSelfSup's ``SelfSupDataPreprocessor`` that also augments every view,
    batched, on the model's device, before normalising it.

    The CPU then only decodes and takes the random resized crops (uint8, fixed
    size); colour jitter, grayscale, blur, solarisation and flips, which cost
    most of the CPU time of MoCo-v2's and SwAV's pipelines, run here, each
    sample with its own parameters. Every algorithm (HEXA's, whose hard
    examples are made from these normalised views (Li et al., arXiv
    2012.13493), included) gets the augmented views by config.
    ``mean`` / ``std`` stay the parent's attributes.

    ``num_views`` and ``view_augments`` mirror the CPU pipeline's
    ``MultiView(num_views, transforms)``: ``view_augments[i]`` augments each of
    the ``num_views[i]`` views of group ``i``. Views of a group that share a
    shape are augmented as one batch.

    Randomness: the parameters are drawn on the CPU from a generator seeded by
    (``seed``, rank, number of training batches so far); the seed and the count
    are buffers, so a checkpoint carries them and a resumed run draws what the
    uninterrupted one would have, and DDP ranks draw differently. Only
    training batches (``training=True``) are augmented.

    Args:
        mean, std, bgr_to_rgb, ...: ``SelfSupDataPreprocessor``'s arguments;
            ``bgr_to_rgb`` must be True (images loaded BGR, augmented RGB).
        num_views (int | list[int]): Views per group, as in ``MultiView``.
        view_augments (list[list[dict]]): Per group, the batch augmentation
            configs (``BatchColorJitter``, ``BatchRandomGrayscale``,
            ``BatchGaussianBlur``, ``BatchRandomSolarize``,
            ``BatchRandomFlip``), applied in order.
        seed (int, optional): Seed of the augmentations' random state. None:
            drawn from torch's global generator, which MMEngine seeds before
            it builds the model.
    """

    def __init__(self,
                 num_views: Union[int, Sequence[int]],
                 view_augments: Sequence[Sequence[dict]],
                 seed: Optional[int] = None,
                 bgr_to_rgb: bool = True,
                 **kwargs) -> None:
        super().__init__(bgr_to_rgb=bgr_to_rgb, **kwargs)
        if not bgr_to_rgb:
            raise ValueError(
                'DeviceAugDataPreprocessor: bgr_to_rgb=False; the device '
                'augmentations work on RGB images and MMCV loads BGR: set '
                'bgr_to_rgb=True')
        num_views = [num_views] if isinstance(num_views, int) else list(
            num_views)
        if len(num_views) != len(view_augments) or not all(
                isinstance(n, int) and n > 0 for n in num_views):
            raise ValueError(
                f'DeviceAugDataPreprocessor: num_views={num_views} must give '
                f'a positive count for each of the {len(view_augments)} '
                'view_augments groups')
        self.num_views = num_views
        self.view_augments = nn.ModuleList(
            nn.ModuleList(MODELS.build(aug) for aug in group)
            for group in view_augments)
        if seed is None:
            seed = int(torch.randint(2**31 - 1, ()).item())
        self.register_buffer('aug_seed', torch.tensor(seed, dtype=torch.long))
        self.register_buffer('aug_draws', torch.tensor(0, dtype=torch.long))
        # Python copies of the two buffers: reading a CUDA buffer every batch
        # would make the host wait for the device. None: read them again
        # (after a load_state_dict, e.g. on resume).
        self._state: Optional[List[int]] = None
        self.register_load_state_dict_post_hook(_forget_python_copies)

    def next_generator(self) -> torch.Generator:
        """The CPU generator of the next training batch."""
        if self._state is None:
            self._state = [int(self.aug_seed), int(self.aug_draws)]
        seed, draws = self._state
        entropy = np.random.SeedSequence([seed, get_rank(), draws])
        self._state[1] += 1
        self.aug_draws.fill_(self._state[1])
        return torch.Generator().manual_seed(
            int(entropy.generate_state(1, np.uint64)[0] >> np.uint64(1)))

    def augment(self, views: List[torch.Tensor],
                generator: torch.Generator) -> List[torch.Tensor]:
        """Augment float RGB views (each (N, 3, H, W), values in [0, 255])."""
        if len(views) != sum(self.num_views):
            raise ValueError(
                f'DeviceAugDataPreprocessor: the batch has {len(views)} views, '
                f'num_views={self.num_views} expects {sum(self.num_views)}: '
                'match it to the pipeline\'s MultiView')
        out = []
        start = 0
        for count, augments in zip(self.num_views, self.view_augments):
            group = views[start:start + count]
            start += count
            for chunk in _same_shape_runs(group):
                x = torch.cat(chunk) if len(chunk) > 1 else chunk[0]
                for aug in augments:
                    x = aug(x, generator)
                out.extend(x.split(chunk[0].shape[0]))
        return out

    def forward(self,
                data: dict,
                training: bool = False
                ) -> Tuple[List[torch.Tensor], Optional[list]]:
        """Cast to the device (uint8), RGB, float, augment (training only),
        normalise; returns ``(views, data_samples)`` as the parent does."""
        if not isinstance(data, dict):
            raise TypeError('DeviceAugDataPreprocessor: the batch must be a '
                            'dict (default_collate), got '
                            f'{type(data).__name__}')
        views, data_samples = self.cast_data(list(data.values()))
        views = [view[:, [2, 1, 0], ...].float() for view in views]
        if training:
            views = self.augment(views, self.next_generator())
        if compat.normalizes(self):
            views = [(view - self.mean) / self.std for view in views]
        return views, data_samples


def _same_shape_runs(views: List[torch.Tensor]) -> List[List[torch.Tensor]]:
    runs: List[List[torch.Tensor]] = []
    for view in views:
        if runs and runs[-1][0].shape == view.shape:
            runs[-1].append(view)
        else:
            runs.append([view])
    return runs


def _forget_python_copies(module: DeviceAugDataPreprocessor,
                          incompatible_keys) -> None:
    """Loaded buffers replace the Python copies of them."""
    module._state = None
