# The PyTorch model for a registry entry (timm, torchvision, or scripts/replknet_reference.py for RepLKNet),
# shared by the PyTorch anchors (torch_model.py) and the GPU check's weight maker (scripts/gpu/make_weights.py).
import os
import sys


def build(family, name, cfg):
    if family == "replknet":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
        import replknet_reference as ref  # written from REFERENCE.md, official key names

        keys = ("kernels", "layers", "channels", "small_kernel", "dw_ratio", "ffn_ratio", "num_classes")
        return ref.RepLKNet(**{k: cfg[k] for k in keys if k in cfg})
    if family == "alexnet":
        import torchvision

        return torchvision.models.alexnet()
    import timm

    kw = {}
    if family == "convnext" and cfg.get("kernel_size", 7) != 7:
        kw["kernel_sizes"] = cfg["kernel_size"]
    if name == "lkr_demo_convnext":  # the registry's tiny ConvNeXt has no timm name
        return timm.models.convnext.ConvNeXt(depths=cfg["depths"], dims=cfg["dims"], num_classes=cfg["num_classes"],
                                             kernel_sizes=cfg.get("kernel_size", 7))
    return timm.create_model(name, pretrained=False, **kw)
