from .atomic_io import atomic_write_bytes
from .cli import add_common_args, load_cfg
from .config_check import ConfigError, accepted_fields, validate_config

__all__ = [
    'ConfigError', 'accepted_fields', 'add_common_args', 'atomic_write_bytes',
    'load_cfg', 'validate_config'
]
