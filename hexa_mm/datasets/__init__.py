from ..compat import HAS_MMDET
from .digits import (DIGITS_CLASSES, DIGITS_EVAL_PIPELINE, DIGITS_SIZE,
                     DigitsDataset, export_digits, split_digits)
from .embedded_folder import EmbeddedFolderDataset, export_folder
from .label_subset import (LabelSubset, class_balanced_indices,
                           read_subset_file)
from .shapes import (SHAPES_CLASSES, SHAPES_EVAL_PIPELINE, SHAPES_INPUT_SIZE,
                     SHAPES_SIZE, ShapesDataset, draw_shape, export_shapes)
from .textures import (TEXTURES_CLASSES, TEXTURES_EVAL_PIPELINE,
                       TEXTURES_INPUT_SIZE, TEXTURES_SIZE, TexturesDataset,
                       draw_texture, export_textures)
from .transforms import BadImageError, CheckedLoadImageFromFile

__all__ = [
    'BadImageError', 'CheckedLoadImageFromFile', 'DIGITS_CLASSES',
    'DIGITS_EVAL_PIPELINE', 'DIGITS_SIZE', 'DigitsDataset',
    'EmbeddedFolderDataset', 'LabelSubset', 'SHAPES_CLASSES',
    'SHAPES_EVAL_PIPELINE', 'SHAPES_INPUT_SIZE', 'SHAPES_SIZE', 'ShapesDataset',
    'class_balanced_indices', 'draw_shape', 'export_digits', 'export_folder',
    'export_shapes', 'read_subset_file', 'split_digits',
    'TEXTURES_CLASSES', 'TEXTURES_EVAL_PIPELINE', 'TEXTURES_INPUT_SIZE',
    'TEXTURES_SIZE', 'TexturesDataset', 'draw_texture', 'export_textures'
]

if HAS_MMDET:
    from .digit_canvases import DigitCanvasDataset, export_digit_canvases
    __all__ += ['DigitCanvasDataset', 'export_digit_canvases']
