from .loading import BadImageError, CheckedLoadImageFromFile
from .torch_random_resized_crop import TorchRandomResizedCrop

__all__ = ['BadImageError', 'CheckedLoadImageFromFile', 'TorchRandomResizedCrop']
