# configs/hexa_dcluster_r18_digits.py on the embedded shapes (32x32, 2,000 training
# images, drawn on first use into data/shapes): only the data set, the colour
# jitter, the number of epochs and the low-resolution crops (off) change
# (configs/_base_/shapes_data.py).
_base_ = ['./hexa_dcluster_r18_digits.py', './_base_/shapes_data.py']

model = dict(num_samples={{_base_.shapes_train_size}})
train_dataloader = {{_base_.shapes_dcluster_dataloader}}
custom_hooks = {{_base_.shapes_dcluster_hooks}}
max_epochs = {{_base_.shapes_max_epochs}}
param_scheduler = {{_base_.shapes_param_scheduler}}
train_cfg = {{_base_.shapes_train_cfg}}
