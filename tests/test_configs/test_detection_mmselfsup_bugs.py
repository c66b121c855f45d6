"""The MMSelfSup 1.0.0 bugs that the detection configs' comments describe,
checked against the installed MMSelfSup configs, and fixed in ours."""
from mmdet.registry import DATASETS
from mmengine.registry import DefaultScope

from detection_configs import C4_2X, RGB_MEAN, VOC, load, load_mmselfsup
from detection_fakes import VOC_CLASSES_DOG, point_to


def test_mmselfsup_bugs_are_real():
    """What the configs' comments say of MMSelfSup 1.0.0's versions."""
    voc = load_mmselfsup(VOC)
    # RGB preprocessor at the top level; the model keeps the caffe BGR one.
    assert voc.data_preprocessor.mean == RGB_MEAN
    assert voc.model.data_preprocessor.mean == [103.53, 116.28, 123.675]
    assert voc.model.data_preprocessor.bgr_to_rgb is False
    # res5 from supervised caffe weights, whatever backbone is benchmarked.
    assert voc.model.roi_head.shared_head.init_cfg.checkpoint.startswith(
        'open-mmlab://')
    # Its ConcatDataset has no ignore_keys.
    assert 'ignore_keys' not in voc.train_dataloader.dataset
    c4_2x = load_mmselfsup(C4_2X)
    # "2x": 12 epochs, milestones 16 and 22 never reached.
    assert c4_2x.train_cfg.max_epochs == 12
    assert c4_2x.param_scheduler[1].milestones == [16, 22]
    # res5 of its COCO C4 configs: no pre-trained weights.
    assert 'init_cfg' not in c4_2x.model.roi_head.shared_head


def test_voc_train_set_metainfo_is_one_dict(fake_voc):
    """MMSelfSup's VOC07+12 training set has a list of two metainfo dicts
    (VOC2007's and VOC2012's differ in ``dataset_type``): checkpoints would
    save it as their dataset_meta, which MMDetection's init_detector cannot
    read. Ours has VOC2007's dict, the classes in it."""
    theirs = load_mmselfsup(VOC)
    with DefaultScope.overwrite_default_scope('mmdet'):
        theirs = DATASETS.build(
            point_to(theirs.train_dataloader.dataset, fake_voc))
        ours = DATASETS.build(
            point_to(load(VOC).train_dataloader.dataset, fake_voc))
    assert isinstance(theirs.metainfo, list)
    assert isinstance(ours.metainfo, dict)
    assert ours.metainfo['classes'][VOC_CLASSES_DOG] == 'dog'
    assert len(ours.metainfo['classes']) == 20
    assert len(ours) == 4  # VOC2007 trainval + VOC2012 trainval
