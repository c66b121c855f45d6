from .soft_contrastive_head import SoftContrastiveHead

__all__ = ['SoftContrastiveHead']
