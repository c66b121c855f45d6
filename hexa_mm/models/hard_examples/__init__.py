from .adversarial import AdversarialGenerator
from .base import BaseHardExampleGenerator, HardExamples, PseudoLabelLoss
from .cutmix import CutMixGenerator

__all__ = [
    'AdversarialGenerator', 'BaseHardExampleGenerator', 'CutMixGenerator',
    'HardExamples', 'PseudoLabelLoss'
]
