from .hexa_moco import HEXAMoCo

__all__ = ['HEXAMoCo']
