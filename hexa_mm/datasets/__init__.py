from .digits import (DIGITS_CLASSES, DIGITS_EVAL_PIPELINE, DigitsDataset,
                     export_digits, split_digits)
from .transforms import BadImageError, CheckedLoadImageFromFile

__all__ = [
    'BadImageError', 'CheckedLoadImageFromFile', 'DIGITS_CLASSES',
    'DIGITS_EVAL_PIPELINE',
    'DigitsDataset', 'export_digits', 'split_digits'
]
