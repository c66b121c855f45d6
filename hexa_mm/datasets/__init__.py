from ..compat import HAS_MMDET
from .digits import (DIGITS_CLASSES, DIGITS_EVAL_PIPELINE, DIGITS_SIZE,
                     DigitsDataset,
                     export_digits, split_digits)
from .label_subset import (LabelSubset, class_balanced_indices,
                           read_subset_file)
from .transforms import BadImageError, CheckedLoadImageFromFile

__all__ = [
    'BadImageError', 'CheckedLoadImageFromFile', 'DIGITS_CLASSES',
    'DIGITS_EVAL_PIPELINE', 'DIGITS_SIZE',
    'DigitsDataset', 'LabelSubset', 'class_balanced_indices', 'export_digits',
    'read_subset_file', 'split_digits'
]

if HAS_MMDET:
    from .digit_canvases import DigitCanvasDataset, export_digit_canvases
    __all__ += ['DigitCanvasDataset', 'export_digit_canvases']
