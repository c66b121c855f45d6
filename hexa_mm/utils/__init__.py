from .cli import add_common_args, load_cfg

__all__ = ['add_common_args', 'load_cfg']
