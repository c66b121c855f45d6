from .digits import DIGITS_CLASSES, DigitsDataset, export_digits, split_digits

__all__ = ['DIGITS_CLASSES', 'DigitsDataset', 'export_digits', 'split_digits']
