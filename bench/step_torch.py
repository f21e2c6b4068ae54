"""Times the main job's network in PyTorch, as the reference for bench/step.mjs.

Same network (CIFAR-style ResNet, one BasicBlock per stage, stages 16/32/64/128, projection MLP
128 -> 128 -> 128, shift head with K = 4 outputs), same batches (training: 32 images x 2 views x
4 shifts = 256 views, con-SI + cls-SI, SGD with momentum; scoring: 256 images x 4 shifts in
evaluation mode), both cores (torch.set_num_threads(2) by default). Prints one JSON line.

    /usr/bin/python3 bench/step_torch.py [--steps 5] [--threads 2]
"""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGES_PER_STEP = 32
SHIFTS = 4
VIEWS = 2
SCORE_IMAGES = 256


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.shortcut is None else self.shortcut(x)))


class Network(nn.Module):
    def __init__(self):
        super().__init__()
        widths = [16, 32, 64, 128]
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        blocks, cin = [], 16
        for stage, cout in enumerate(widths):
            blocks.append(BasicBlock(cin, cout, 1 if stage == 0 else 2))
            cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.projection = nn.Sequential(nn.Linear(cin, cin), nn.ReLU(), nn.Linear(cin, 128))
        self.shift_head = nn.Linear(cin, SHIFTS)

    def forward(self, x):
        features = self.blocks(self.stem(x * 2 - 1)).mean(dim=(2, 3))
        return self.projection(features), self.shift_head(features)


def csi_loss(projections, shift_logits):
    # Rows are view-major, then shift, then image, so row r's positive is r +- K*N.
    views = projections.shape[0]
    half = views // 2
    normalised = F.normalize(projections, dim=1)
    similarity = normalised @ normalised.t() / 0.5 - torch.eye(views) * 1e9
    positive = (torch.arange(views) + half) % views
    shift_labels = (torch.arange(views) // IMAGES_PER_STEP) % SHIFTS
    return F.cross_entropy(similarity, positive) + F.cross_entropy(shift_logits, shift_labels)


def median_seconds(run, steps, warmup):
    for _ in range(warmup):
        run()
    seconds = []
    for _ in range(steps):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    seconds.sort()
    return seconds[len(seconds) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    network = Network()
    optimizer = torch.optim.SGD(network.parameters(), lr=0.01, momentum=0.9)
    train_views = torch.rand(VIEWS * SHIFTS * IMAGES_PER_STEP, 1, 28, 28)
    score_views = torch.rand(SHIFTS * SCORE_IMAGES, 1, 28, 28)

    def train_step():
        network.train()
        optimizer.zero_grad(set_to_none=True)
        csi_loss(*network(train_views)).backward()
        optimizer.step()

    def score_pass():
        network.eval()
        with torch.no_grad():
            network(score_views)

    train_seconds = median_seconds(train_step, args.steps, args.warmup)
    score_seconds = median_seconds(score_pass, args.steps, args.warmup)
    print(json.dumps({
        "contender": f"pytorch {torch.__version__}, {torch.get_num_threads()} threads",
        "trainImagesPerSecond": IMAGES_PER_STEP / train_seconds,
        "scoreImagesPerSecond": SCORE_IMAGES / score_seconds,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
