# HEXA-MoCo with cut-mixed queries only on CIFAR-100:
# configs/cifar10/hexa_moco_cutmix_r18_cifar10.py with the data set and its
# normalisation changed, as configs/cifar100/mocov2_r18_cifar100.py changes
# its MoCo-v2 base. solo-learn publishes no HEXA figure: compare with that
# config's run. hexa_mm has not run this recipe to the end
# (configs/cifar10/README.md).
_base_ = '../cifar10/hexa_moco_cutmix_r18_cifar10.py'

model = dict(data_preprocessor={{_base_.cifar100_normalization}})
train_dataloader = dict(dataset={{_base_.cifar100_train}})
# The monitors on CIFAR-100 (100 classes).
custom_hooks = {{_base_.cifar100_moco_hooks}}
