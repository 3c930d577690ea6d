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
    if name in timm.list_models(pretrained=False) or "." in name:
        return timm.create_model(name, pretrained=False, **kw)
    # Names timm does not know (the demo model, the GPU check's tiny models): the model the config describes.
    return build_config(family, cfg)


def build_config(family, cfg):
    """The model a graph config describes (every key the engine reads), whatever the registry name: the small
    configurations `lkrobust train` and `bench train` use. The same constructors as test/train/oracle_train.py."""
    import functools

    import timm

    k = cfg["num_classes"]
    if family == "convnext":
        return timm.models.convnext.ConvNeXt(depths=cfg["depths"], dims=cfg["dims"], num_classes=k,
                                             kernel_sizes=cfg.get("kernel_size", 7))
    if family == "resnet":
        from timm.models.resnet import Bottleneck, ResNet

        return ResNet(block=Bottleneck, layers=cfg["layers"], num_classes=k)
    if family == "resnetv2":
        # timm's BiT builder: fixed stem, StdConv2d(eps=1e-8), GroupNorm(32).
        return timm.models.resnetv2.ResNetV2(layers=cfg["layers"], width_factor=cfg.get("width_factor", 1),
                                             num_classes=k, stem_type="fixed",
                                             conv_layer=functools.partial(timm.layers.StdConv2d, eps=1e-8))
    if family == "vit":
        return timm.models.vision_transformer.VisionTransformer(
            img_size=cfg["img_size"], patch_size=cfg["patch"], embed_dim=cfg["dim"], depth=cfg["depth"],
            num_heads=cfg["heads"], num_classes=k, mlp_ratio=4.0, qkv_bias=True)
    if family == "replknet":
        return build(family, "", cfg)
    raise ValueError(f"no PyTorch model for a {family} config")


def state_numel(model):
    """Weights and statistics, as a checkpoint holds them (BN's num_batches_tracked counters left out)."""
    return sum(v.numel() for n, v in model.state_dict().items() if not n.endswith("num_batches_tracked"))
