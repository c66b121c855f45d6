from .adversarial import AdversarialGenerator
from .base import HardExamples, PseudoLabelLoss
from .cutmix import CutMixGenerator

__all__ = [
    'AdversarialGenerator', 'CutMixGenerator', 'HardExamples',
    'PseudoLabelLoss'
]
