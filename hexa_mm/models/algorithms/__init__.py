from .deepcluster_v2 import DeepClusterV2
from .hard_example_mixin import HardExampleMixin
from .hexa_dcluster import HEXADeepClusterV2
from .hexa_moco import HEXAMoCo

__all__ = ['DeepClusterV2', 'HardExampleMixin', 'HEXADeepClusterV2', 'HEXAMoCo']
