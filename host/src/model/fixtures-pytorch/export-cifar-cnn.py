#!/usr/bin/python3
# Exports a small CIFAR-shaped CNN (3x32x32 -> 10 classes) to ONNX with PyTorch's own exporter (torch.onnx.export),
# so that rtinfer's ONNX importer is tested on what PyTorch writes, not on files rtinfer wrote itself (issue 15).
# PyTorch comes from Debian (python3-torch, 1.13.1 on Debian 12): run with /usr/bin/python3, whose dist-packages
# hold it. The weights are PyTorch's default initialisation under a fixed seed (untrained): the tests compare the
# device with the host reference on the same file, which needs no training.
# The network is sized for the QEMU netduinoplus2 image (its 25 KiB model slot and its arena), and written the way
# PyTorch users write one: Conv + BatchNorm (eval) + ReLU + MaxPool, a view(N, -1) flatten, Linear, Dropout.
# Usage: export-cifar-cnn.py OUT.onnx [SEED]
import sys

import torch
from torch import nn


class CifarCnn(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1),
            nn.BatchNorm2d(8),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 4 * 4, 32),
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(32, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = x.view(x.size(0), -1)
        return self.classifier(x)


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: export-cifar-cnn.py OUT.onnx [SEED]")
    torch.manual_seed(int(sys.argv[2]) if len(sys.argv) == 3 else 15)
    model = CifarCnn()
    # Non-trivial batch-norm statistics, as a trained network has, so that folding them is tested.
    with torch.no_grad():
        bn = model.features[1]
        bn.running_mean.uniform_(-0.2, 0.2)
        bn.running_var.uniform_(0.5, 1.5)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.1, 0.1)
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 3, 32, 32), sys.argv[1], input_names=["input"], output_names=["logits"])
    print(f"exported {sys.argv[1]} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
