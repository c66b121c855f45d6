# Semi-supervised fine-tuning on 1% of ImageNet's labels, SwAV's recipe
# (Caron et al., NeurIPS 2020; facebookresearch/swav eval_semisup.py and its
# README: --labels_perc 1 --lr 0.02 --lr_last_layer 5): 20 epochs, batch 256,
# SGD momentum 0.9, weight decay 0, trunk lr 0.02, head lr 5, lr x0.2 at
# epochs 12 and 16, SyncBN.
#
# The labelled images: SimCLR's published list (imagenet_subsets/1percent.txt)
# given by path,
#   --cfg-options train_dataloader.dataset.subset_file=PATH
# or, by default, a deterministic class-balanced 1% of every class (at least
# one image per class; seed 0).
_base_ = 'resnet50_semi-10pct-8xb32-steplr-20e_in1k.py'

train_dataloader = dict(dataset=dict(fraction=0.01))
optim_wrapper = dict(
    optimizer=dict(lr=0.02),
    # head lr = 0.02 x 250 = 5
    paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=250.)}))
