# Semi-supervised fine-tuning on 10% of ImageNet's labels, SwAV's recipe
# (Caron et al., NeurIPS 2020; facebookresearch/swav eval_semisup.py and its
# README: --labels_perc 10 --lr 0.01 --lr_last_layer 0.2): 20 epochs, batch
# 256, SGD momentum 0.9, weight decay 0, trunk lr 0.01, head lr 0.2, lr x0.2
# at epochs 12 and 16, SyncBN. All of it but the labels is the 100% config's.
#
# The labelled images: SimCLR's published list (imagenet_subsets/10percent.txt,
# the split SwAV and HEXA use) given by path,
#   --cfg-options train_dataloader.dataset.subset_file=PATH
# or, by default, a deterministic class-balanced 10% of every class (seed 0;
# the same images on every rank and run, but not SimCLR's images).
_base_ = 'resnet50_ft-8xb32-steplr-20e_in1k.py'

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='LabelSubset',
        dataset={{_base_.train_dataloader.dataset}},
        subset_file=None,
        fraction=0.1,
        seed=0))
