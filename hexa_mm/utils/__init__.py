from .atomic_io import atomic_write_bytes
from .checkpoint import (build_bare_backbone, check_pretrained_backbone,
                         extract_backbone, fit_mismatches, save_backbone,
                         state_shapes)
from .cli import add_common_args, amp_config, close_distributed, load_cfg
from .config_check import ConfigError, accepted_fields, validate_config
from .device_augment import cpu_augment_config, uses_device_augment
from .errors import (USER_ERROR_STATUS, MissingCheckpointError, UserError,
                     run_cli)

__all__ = [
    'ConfigError', 'accepted_fields', 'add_common_args', 'amp_config',
    'atomic_write_bytes',
    'build_bare_backbone', 'check_pretrained_backbone', 'close_distributed',
    'cpu_augment_config', 'extract_backbone', 'fit_mismatches', 'load_cfg',
    'save_backbone', 'state_shapes', 'uses_device_augment', 'validate_config',
    'USER_ERROR_STATUS', 'MissingCheckpointError', 'UserError', 'run_cli'
]
