from .device_aug_data_preprocessor import DeviceAugDataPreprocessor

__all__ = ['DeviceAugDataPreprocessor']
