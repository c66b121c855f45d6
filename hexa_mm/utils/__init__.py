from .atomic_io import atomic_write_bytes
from .checkpoint import extract_backbone, save_backbone
from .cli import add_common_args, close_distributed, load_cfg
from .config_check import ConfigError, accepted_fields, validate_config

__all__ = [
    'ConfigError', 'accepted_fields', 'add_common_args', 'atomic_write_bytes',
    'close_distributed',
    'extract_backbone', 'load_cfg', 'save_backbone', 'validate_config'
]
