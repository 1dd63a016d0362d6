#!/usr/bin/env python3
"""Parity fixture for the resnet101 feature extractor (test/torch-resnet.test.ts).

A tiny ResNet with torchvision's layout and state-dict names (conv1 7x7/2 + bn1 + ReLU + maxpool 3x3/2, then
layer1..layer3 of bottleneck blocks: 1x1, 3x3 with the stride, 1x1 at 4x the width, a 1x1 downsample with batch
norm where the shape changes; written here from torchvision's published description), random weights and
batch-norm statistics, saved with torch.save (legacy format, the smaller), run in eval mode up to layer3 on images the test
computes with the same formula. Writes tiny-resnet.pt and tiny-resnet.expected.json into test/fixtures.

Needs PyTorch (Debian: apt-get install python3-torch).
Run: python3 packages/clevr-data/scripts/make-resnet-fixture.py && pnpm biome format --write packages/clevr-data/test/fixtures
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures')
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


class Bottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = None
        if stride != 1 or inplanes != planes * 4:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes * 4))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class TinyResNet(nn.Module):
    def __init__(self, widths, blocks):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        inplanes = widths[0]
        for i, (planes, n) in enumerate(zip(widths, blocks)):
            layer = []
            for b in range(n):
                layer.append(Bottleneck(inplanes, planes, 2 if b == 0 and i > 0 else 1))
                inplanes = planes * 4
            setattr(self, f'layer{i + 1}', nn.Sequential(*layer))

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        return self.layer3(self.layer2(self.layer1(x)))


def images(n, h, w):
    """The test's images: RGB in [0, 1] from a fixed formula (no pixels stored)."""
    i = torch.arange(n).view(n, 1, 1, 1)
    c = torch.arange(3).view(1, 3, 1, 1)
    y = torch.arange(h).view(1, 1, h, 1)
    x = torch.arange(w).view(1, 1, 1, w)
    return ((i * 37 + c * 11 + y * 7 + x * 3 + x * y) % 256).float() / 255


def main():
    g = torch.Generator().manual_seed(7)
    model = TinyResNet([4, 3, 4], [1, 1, 2])
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                p.copy_(torch.randn(p.shape, generator=g) * (2.0 / p[0].numel()) ** 0.5)
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.2 + (1.0 if name.endswith('weight') else 0.0))
        for name, b in model.named_buffers():
            if name.endswith('running_mean'):
                b.copy_(torch.randn(b.shape, generator=g) * 0.2)
            elif name.endswith('running_var'):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)
    model.eval()
    x = images(2, 40, 48)
    with torch.no_grad():
        out = model((x - MEAN) / STD)
    torch.save(model.state_dict(), os.path.join(OUT, 'tiny-resnet.pt'), _use_new_zipfile_serialization=False)
    expected = {'input': [2, 40, 48], 'shape_nchw': list(out.shape),
                'features_nchw': [round(float(v), 6) for v in out.reshape(-1).tolist()]}
    with open(os.path.join(OUT, 'tiny-resnet.expected.json'), 'w') as f:
        json.dump(expected, f)


if __name__ == '__main__':
    main()
