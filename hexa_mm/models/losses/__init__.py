from .soft_contrastive import mixed_key_targets, soft_contrastive_loss

__all__ = ['mixed_key_targets', 'soft_contrastive_loss']
