# The ImageNet pre-training configs' view augmentations on the device: the CPU
# decodes and takes the random resized crops (uint8, fixed size); the model's
# DeviceAugDataPreprocessor jitters, grays, blurs and flips every view, batched,
# each sample with its own parameters, then normalises. `tools/train.py
# --cpu-augment` (hexa_mm.utils.cpu_augment_config) puts the same transforms
# back into the CPU pipeline. Names are prefixed: a config inherits this file
# beside MMSelfSup's bases, and MMEngine forbids a key in two bases.
# Channel weights are R, G, B (MMSelfSup's BGR configs: 0.114, 0.587, 0.2989).

# MMSelfSup's imagenet_mocov2.py view_pipeline after its crop.
mocov2_device_augments = [
    dict(
        type='BatchColorJitter',
        brightness=0.4,
        contrast=0.4,
        saturation=0.4,
        hue=0.1,
        prob=0.8),
    dict(
        type='BatchRandomGrayscale',
        prob=0.2,
        channel_weights=(0.2989, 0.587, 0.114)),
    dict(type='BatchGaussianBlur', sigma_min=0.1, sigma_max=2.0, prob=0.5),
    dict(type='BatchRandomFlip', prob=0.5),
]
# MMSelfSup's imagenet_swav_mcrop-2-6.py view pipelines after their crops (the
# same for both crop sizes); DeepCluster-v2 shares them.
swav_device_augments = [
    dict(
        type='BatchColorJitter',
        brightness=0.8,
        contrast=0.8,
        saturation=0.8,
        hue=0.2,
        prob=0.8),
    dict(
        type='BatchRandomGrayscale',
        prob=0.2,
        channel_weights=(0.2989, 0.587, 0.114)),
    dict(type='BatchGaussianBlur', sigma_min=0.1, sigma_max=2.0, prob=0.5),
    dict(type='BatchRandomFlip', prob=0.5),
]
