# Linear probe, SwAV's protocol, used for DeepCluster-v2 / HEXA-DCluster
# (Caron et al., NeurIPS 2020, appendix; facebookresearch/swav eval_linear.py
# with its defaults, as the README runs it): frozen ResNet-50 (BN statistics
# frozen too), linear classifier on the pooled 2048-d features initialised
# N(0, 0.01) (MMPretrain's LinearClsHead default), 100 epochs, 8 GPUs x 32 =
# 256 images, SGD lr 0.3, momentum 0.9, weight decay 1e-6, cosine decay per
# epoch to 0; RandomResizedCrop 224 + flip / resize 256 + center crop 224.
# eval_linear.py has a --nesterov flag, False by default and not set by the
# README's command: Nesterov stays off here
# (--cfg-options optim_wrapper.optimizer.nesterov=True turns it on).
_base_ = 'resnet50_linear-8xb32-steplr-100e_in1k.py'

optim_wrapper = dict(
    optimizer=dict(lr=0.3, momentum=0.9, weight_decay=1e-6, nesterov=False))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=100,
        eta_min=0.,
        by_epoch=True,
        begin=0,
        end=100)
]
