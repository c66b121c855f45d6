from typing import Optional

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.model import BaseModule
from mmpretrain.models.utils.batch_augments import CutMix

from mmselfsup.registry import MODELS
from ... import compat
from .base import HardExamples


@MODELS.register_module()
class CutMixGenerator(BaseModule):
    """Cut-mixed examples: a box of one image pasted into another.

    HEXA's second kind of hard example (Li et al., arXiv 2012.13493), after CutMix
    (Yun et al., ICCV 2019). Images are paired by a random permutation; one box
    of area fraction ``1 - lam`` is cut from each partner and pasted into the
    image, with ``lam ~ Beta(alpha, alpha)`` and then recomputed from the box
    clipped at the border (MMPretrain's ``CutMix.cutmix_bbox_and_lam``). The
    pseudo-labels mix as ``lam`` (own) and ``1 - lam`` (partner).

    Unlike MMPretrain's ``CutMix.mix``, the clean batch is never written into,
    and every draw (permutation, lam, box) comes from the generator's own
    random state, never from torch's or NumPy's global one: a HEXA run and its
    baseline at one seed start from the same weights and see the same batches
    (the draws of everything else are untouched). The state is saved in the
    model's state dict, so that a resumed run draws exactly what the
    uninterrupted run would have.

    Args:
        alpha (float): Beta distribution parameter (> 0). Defaults to 1.0.
        seed (int, optional): Seed of the generator's own random state. None:
            the run's seed, read (not drawn) from torch's global generator
            (``torch.initial_seed()``, which MMEngine's ``randomness.seed``
            sets before the model is built). The rank is added at draw time,
            so that DDP ranks draw different pairings and boxes.
        init_cfg (dict, optional): Unused; kept for the MMEngine interface.
    """

    def __init__(self,
                 alpha: float = 1.0,
                 seed: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not alpha > 0:
            raise ValueError(f'CutMixGenerator: alpha={alpha!r} must be > 0')
        self.alpha = alpha
        self._box = CutMix(alpha=alpha, correct_lam=True)
        if seed is None:
            # Reading the seed draws nothing: torch's state stays as it was.
            seed = torch.initial_seed() % 2**63
        # The random state is (seed, rank, number of draws so far): two integer
        # buffers travel in the checkpoint (and survive MMEngine's broadcast of
        # rank 0's buffers), the rank is added at draw time.
        self.register_buffer('seed', torch.tensor(seed, dtype=torch.long))
        self.register_buffer('draws', torch.tensor(0, dtype=torch.long))

    def _next_rng(self) -> np.random.RandomState:
        entropy = [int(self.seed), get_rank(), int(self.draws)]
        self.draws += 1
        return np.random.RandomState(
            np.random.SeedSequence(entropy).generate_state(4))

    def forward(self, inputs: torch.Tensor) -> HardExamples:
        """Cut-mix the batch ``inputs`` (N, C, H, W)."""
        n, _, h, w = inputs.shape
        rng = self._next_rng()
        lam = float(rng.beta(self.alpha, self.alpha))
        partner = torch.from_numpy(rng.permutation(n)).to(inputs.device)
        # MMPretrain's box draws from the global np.random: from rng instead,
        # so that the draws are reproducible from rng alone.
        with compat.numpy_global_random_state(rng):
            (y1, y2, x1, x2), lam = self._box.cutmix_bbox_and_lam((h, w), lam)
        mixed = inputs.detach().clone()
        mixed[:, :, y1:y2, x1:x2] = inputs.detach()[partner, :, y1:y2, x1:x2]
        return HardExamples(inputs=mixed, partner=partner, lam=float(lam))
