from .base import BaseBatchAugment
from .color_jitter import BatchColorJitter
from .flip import BatchRandomFlip
from .gaussian_blur import BatchGaussianBlur
from .grayscale import BatchRandomGrayscale
from .solarize import BatchRandomSolarize

__all__ = [
    'BaseBatchAugment', 'BatchColorJitter', 'BatchGaussianBlur',
    'BatchRandomFlip', 'BatchRandomGrayscale', 'BatchRandomSolarize'
]
