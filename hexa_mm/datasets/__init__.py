from .digits import (DIGITS_CLASSES, DIGITS_EVAL_PIPELINE, DigitsDataset,
                     export_digits, split_digits)
from .label_subset import (LabelSubset, class_balanced_indices,
                           read_subset_file)
from .transforms import BadImageError, CheckedLoadImageFromFile

__all__ = [
    'BadImageError', 'CheckedLoadImageFromFile', 'DIGITS_CLASSES',
    'DIGITS_EVAL_PIPELINE',
    'DigitsDataset', 'LabelSubset', 'class_balanced_indices', 'export_digits',
    'read_subset_file', 'split_digits'
]
