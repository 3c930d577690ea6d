# Random-weight checkpoints of two of the paper's models for the `suite --preset paper` test, in the publishers'
# own formats and key names: torchvision ResNet-50 (torch.save zip .pth) and timm ViT-B/16 (.safetensors).
# Usage: make_paper_weights.py DIR  ->  DIR/resnet50-random.pth, DIR/vit_base-random.safetensors
import os
import sys

import safetensors.torch
import timm
import torch
import torchvision

out = sys.argv[1]
torch.manual_seed(0)
r50 = torchvision.models.resnet50(weights=None).eval()
torch.save(r50.state_dict(), os.path.join(out, "resnet50-random.pth"))
vit = timm.create_model("vit_base_patch16_224", pretrained=False).eval()
safetensors.torch.save_file({k: v.contiguous() for k, v in vit.state_dict().items()}, os.path.join(out, "vit_base-random.safetensors"))
