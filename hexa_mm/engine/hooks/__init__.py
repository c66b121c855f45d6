from .deepcluster_v2_hook import DeepClusterV2Hook

__all__ = ['DeepClusterV2Hook']
