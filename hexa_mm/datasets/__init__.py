from .digits import DIGITS_CLASSES, DigitsDataset, export_digits, split_digits
from .transforms import BadImageError, CheckedLoadImageFromFile

__all__ = [
    'BadImageError', 'CheckedLoadImageFromFile', 'DIGITS_CLASSES',
    'DigitsDataset', 'export_digits', 'split_digits'
]
