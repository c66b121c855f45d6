from .prototype_head import MultiPrototypeHead
from .soft_contrastive_head import SoftContrastiveHead

__all__ = ['MultiPrototypeHead', 'SoftContrastiveHead']
