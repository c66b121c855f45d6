from contextlib import nullcontext
from typing import ContextManager, Optional

from mmselfsup.registry import MODELS
from ..utils import running_stats_frozen


class HardExampleMixin:
    """What every HEXA algorithm shares: its generators, loss weights and BN mode.

    HEXA (Li et al., arXiv 2012.13493) adds adversarial and cut-mixed examples to
    an algorithm's standard views; each kind has a generator config (None: off)
    and a loss weight (0: off).

    ``hard_bn`` says how BN treats the hard examples' training forward (a project
    choice; the paper is silent):

    * ``'separate'`` (default): hard examples form their own BN batch and BN
      running statistics do not absorb them, so the running statistics that a
      frozen-BN linear probe uses come from clean views only (adversarial views
      have other BN statistics: AdvProp, Xie et al., CVPR 2020).
    * ``'separate_tracked'``: own BN batch; running statistics absorb them.
    * ``'shared'`` (where the algorithm supports it): one forward with the clean
      views, so they share batch statistics and running statistics absorb them.
    """

    HARD_BN_MODES = ('separate', 'separate_tracked', 'shared')

    def init_hard_examples(self, adversarial: Optional[dict],
                           cutmix: Optional[dict], w_clean: float, w_adv: float,
                           w_mix: float, hard_bn: str) -> None:
        name = type(self).__name__
        for field, weight in (('w_clean', w_clean), ('w_adv', w_adv),
                              ('w_mix', w_mix)):
            if weight < 0:
                raise ValueError(f'{name}: {field}={weight!r} must be >= 0')
        if hard_bn not in self.HARD_BN_MODES:
            raise ValueError(f'{name}: hard_bn={hard_bn!r}, allowed: '
                             f'{self.HARD_BN_MODES}')
        self.adversarial = (
            MODELS.build(adversarial)
            if adversarial is not None and w_adv > 0 else None)
        self.cutmix = (
            MODELS.build(cutmix) if cutmix is not None and w_mix > 0 else None)
        self.w_clean = w_clean
        self.w_adv = w_adv
        self.w_mix = w_mix
        self.hard_bn = hard_bn

    @property
    def with_hard_examples(self) -> bool:
        return self.adversarial is not None or self.cutmix is not None

    def hard_forward_context(self) -> ContextManager:
        """BN behaviour of a separate forward of the hard examples."""
        if self.hard_bn == 'separate':
            return running_stats_frozen(self)
        return nullcontext()
