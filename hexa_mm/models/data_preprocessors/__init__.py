from .device_aug_data_preprocessor import (DeviceAugDataPreprocessor,
                                           cpu_view_transforms)

__all__ = ['DeviceAugDataPreprocessor', 'cpu_view_transforms']
