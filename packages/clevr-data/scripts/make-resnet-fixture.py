#!/usr/bin/env python3
"""Parity fixture for the resnet101 feature extractor (test/torch-resnet.test.ts).

ResNet-101's real depth up to layer3 (torchvision's conv1 7x7/2 + bn1 + ReLU + maxpool 3x3/2, then layer1..layer3
of [3, 4, 23] torchvision Bottleneck blocks, stride 2 in the first block of layer2 and layer3, a 1x1 downsample
with batch norm where the shape changes, as torchvision's ResNet._make_layer builds them) at a narrow width:
planes 4, 8, 16 instead of 64, 128, 256 (layer3 gives 64 channels instead of 1024), so the file stays small.
Random weights and batch-norm statistics, stored as float16 in torch.save's legacy format (the smaller; the
expected features are computed from the same float16-rounded weights).

Two 480x320 images (CLEVR's size) from a formula, prepared as clevr-iep's scripts/extract_features.py does:
scipy.misc.imresize(img, (224, 224), interp='bicubic') (PIL's bicubic resize of the 8-bit image, done here with
PIL directly), / 255, minus mean [0.485, 0.456, 0.406], divided by clevr-iep's std [0.229, 0.224, 0.224].

Writes into test/fixtures: resnet101-narrow.pt, resnet101-narrow.expected.json (shapes, the SHA-256 of the resized
bytes) and resnet101-narrow.features.f32 (the features, NCHW float32 little-endian).

Needs PyTorch, torchvision and PIL (Debian: apt-get install python3-torch python3-torchvision).
Run: /usr/bin/python3 packages/clevr-data/scripts/make-resnet-fixture.py && pnpm biome format --write packages/clevr-data/test/fixtures
"""
import hashlib
import json
import os

import numpy as np
import torch
import torch.nn as nn
from PIL import Image
from torchvision.models.resnet import Bottleneck, conv1x1

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures')
NAME = 'resnet101-narrow'
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float64).reshape(1, 3, 1, 1)
STD = np.array([0.229, 0.224, 0.224], dtype=np.float64).reshape(1, 3, 1, 1)  # clevr-iep's values
IMAGE_H, IMAGE_W = 320, 480
SIZE = 224


class NarrowResNetTrunk(nn.Module):
    """torchvision's ResNet up to layer3 with its block counts, at base width `base` instead of 64."""

    def __init__(self, base, blocks):
        super().__init__()
        self.conv1 = nn.Conv2d(3, base, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.inplanes = base
        self.layer1 = self._make_layer(base, blocks[0], 1)
        self.layer2 = self._make_layer(2 * base, blocks[1], 2)
        self.layer3 = self._make_layer(4 * base, blocks[2], 2)

    def _make_layer(self, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes * Bottleneck.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * Bottleneck.expansion, stride),
                                       nn.BatchNorm2d(planes * Bottleneck.expansion))
        layers = [Bottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer3(self.layer2(self.layer1(x)))


def images(n, h, w):
    """The test's images, uint8 HWC: (37 i + 11 c + 7 y + 3 x + x y / 8) mod 256 (no pixels stored)."""
    i = np.arange(n).reshape(n, 1, 1, 1)
    y = np.arange(h).reshape(1, h, 1, 1)
    x = np.arange(w).reshape(1, 1, w, 1)
    c = np.arange(3).reshape(1, 1, 1, 3)
    return ((i * 37 + c * 11 + y * 7 + x * 3 + (x * y) // 8) % 256).astype(np.uint8)


def main():
    g = torch.Generator().manual_seed(101)
    model = NarrowResNetTrunk(4, [3, 4, 23])
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                p.copy_(torch.randn(p.shape, generator=g) * (2.0 / p[0].numel()) ** 0.5)
            elif name.endswith('weight'):  # batch-norm scale: small in the last bn of a block, as trained ResNets
                p.copy_(torch.randn(p.shape, generator=g) * 0.1 + (0.3 if '.bn3.' in name else 1.0))
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)
        for name, b in model.named_buffers():
            if name.endswith('running_mean'):
                b.copy_(torch.randn(b.shape, generator=g) * 0.2)
            elif name.endswith('running_var'):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    model.eval()

    resized = np.stack([np.asarray(Image.fromarray(img).resize((SIZE, SIZE), Image.BICUBIC))
                        for img in images(2, IMAGE_H, IMAGE_W)])
    batch = (resized.transpose(0, 3, 1, 2).astype(np.float32) / 255.0 - MEAN) / STD
    with torch.no_grad():
        out = model(torch.FloatTensor(batch.astype(np.float32)))

    torch.save(state, os.path.join(OUT, f'{NAME}.pt'), _use_new_zipfile_serialization=False)
    out.numpy().astype('<f4').tofile(os.path.join(OUT, f'{NAME}.features.f32'))
    expected = {'images': 2, 'image_size': [IMAGE_H, IMAGE_W], 'input': [SIZE, SIZE],
                'resized_sha256': hashlib.sha256(resized.tobytes()).hexdigest(),
                'shape_nchw': list(out.shape)}
    with open(os.path.join(OUT, f'{NAME}.expected.json'), 'w') as f:
        json.dump(expected, f, indent=2)
        f.write('\n')
    print(expected, float(out.abs().max()), float(out.abs().mean()))


if __name__ == '__main__':
    main()
