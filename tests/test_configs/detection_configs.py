"""The detection transfer configs (configs/benchmarks/mmdetection/voc0712, coco)
as the tests load them, with a command line's backbone checkpoint, and the
fake data (detection_fakes.py) each is pointed at."""
import copy
import os.path as osp

from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope
from tool_runs import CONFIGS

import mmselfsup

DET_CONFIGS = osp.join(CONFIGS, 'benchmarks', 'mmdetection')
MMSELFSUP_DET_CONFIGS = osp.join(
    osp.dirname(mmselfsup.__file__), '.mim', 'configs', 'benchmarks',
    'mmdetection')

VOC = 'voc0712/faster-rcnn_r50-c4_ms-24k_voc0712.py'
C4_1X = 'coco/mask-rcnn_r50-c4_ms-1x_coco.py'
C4_2X = 'coco/mask-rcnn_r50-c4_ms-2x_coco.py'
FPN_1X = 'coco/mask-rcnn_r50_fpn_ms-1x_coco.py'
FPN_2X = 'coco/mask-rcnn_r50_fpn_ms-2x_coco.py'
ALL = [VOC, C4_1X, C4_2X, FPN_1X, FPN_2X]
C4 = [VOC, C4_1X, C4_2X]

RGB_MEAN = [123.675, 116.28, 103.53]
RGB_STD = [58.395, 57.12, 57.375]


def load(config):
    return Config.fromfile(osp.join(DET_CONFIGS, config))


def load_mmselfsup(config):
    """MMSelfSup 1.0.0's own version of a detection config."""
    return Config.fromfile(osp.join(MMSELFSUP_DET_CONFIGS, config))


def with_checkpoint(config, path):
    """The config with the command line's overrides for the backbone
    checkpoint (what ``--cfg-options`` does)."""
    cfg = load(config)
    options = {'model.backbone.init_cfg.checkpoint': path}
    if config in C4:
        options['model.roi_head.shared_head.init_cfg.checkpoint'] = path
    cfg.merge_from_dict(options)
    return cfg


def build_model(model_cfg):
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(copy.deepcopy(model_cfg))


def data_root_for(config, fake_voc, fake_coco):
    return fake_voc if config == VOC else fake_coco
