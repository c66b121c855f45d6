# configs/hexa_moco_r18_digits.py on the embedded shapes (32x32, 2,000 training
# images, drawn on first use into data/shapes): only the data set, the colour
# jitter and the number of epochs change (configs/_base_/shapes_data.py).
_base_ = ['./hexa_moco_r18_digits.py', './_base_/shapes_data.py']

train_dataloader = {{_base_.shapes_moco_dataloader}}
custom_hooks = {{_base_.shapes_moco_hooks}}
max_epochs = {{_base_.shapes_max_epochs}}
param_scheduler = {{_base_.shapes_param_scheduler}}
train_cfg = {{_base_.shapes_train_cfg}}
