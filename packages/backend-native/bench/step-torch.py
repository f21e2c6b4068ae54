"""Times the network of bench/resnet-model.mjs in PyTorch, as the reference for bench/step.mjs.

    /usr/bin/python3 packages/backend-native/bench/step-torch.py --width 16 --batch 256

Same architecture (CIFAR-style ResNet-18 with stage widths width * (1, 2, 4, 8), batch norm in
training mode, projection MLP to 128 and a 4-way shift head), the same NT-Xent + shift
cross-entropy loss, SGD with momentum 0.9. Prints one JSON line after the human-readable lines.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


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
        return F.relu(out + (self.shortcut(x) if self.shortcut is not None else x))


class Net(nn.Module):
    def __init__(self, width, projection=128, shifts=4):
        super().__init__()
        widths = [width, 2 * width, 4 * width, 8 * width]
        self.stem = nn.Sequential(nn.Conv2d(1, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        blocks, cin = [], widths[0]
        for stage, cout in enumerate(widths):
            for b in range(2):
                blocks.append(BasicBlock(cin, cout, 2 if stage > 0 and b == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.projection = nn.Sequential(nn.Linear(cin, cin), nn.ReLU(), nn.Linear(cin, projection))
        self.shift_head = nn.Linear(cin, shifts)

    def forward(self, x):
        features = self.blocks(self.stem(x)).mean(dim=(2, 3))
        return self.projection(features), self.shift_head(features)


def loss_of(projections, shift_logits, shifts=4):
    views = projections.shape[0]
    normalised = F.normalize(projections, dim=1)
    similarity = normalised @ normalised.t() / 0.5 - torch.eye(views) * 1e9
    partner = torch.arange(views) ^ 1
    return F.cross_entropy(similarity, partner) + F.cross_entropy(shift_logits, torch.arange(views) % shifts)


def time_rate(label, run, steps, warmup, batch):
    for _ in range(warmup):
        run()
    seconds = []
    for _ in range(steps):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    seconds.sort()
    median = seconds[len(seconds) // 2]
    print(f"{label}: median {median * 1000:.1f} ms over {steps} runs (min {seconds[0] * 1000:.1f}), "
          f"{batch / median:.1f} images/s")
    return batch / median


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--size", type=int, default=28)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--channels-last", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    net = Net(args.width).to(memory_format=memory_format)
    net.train()
    images = torch.rand(args.batch, 1, args.size, args.size).to(memory_format=memory_format)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, width {args.width}, "
          f"batch {args.batch}, {'channels_last' if args.channels_last else 'NCHW'}")

    def forward():
        with torch.no_grad():
            net(images)

    def train():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(*net(images))
        loss.backward()
        optimizer.step()

    forward_rate = time_rate("forward", forward, args.steps, args.warmup, args.batch)
    train_rate = time_rate("train step", train, args.steps, args.warmup, args.batch)
    print(json.dumps({"backend": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "width": args.width, "batch": args.batch, "channelsLast": args.channels_last,
                      "forwardImagesPerSecond": round(forward_rate, 1),
                      "trainImagesPerSecond": round(train_rate, 1)}))


if __name__ == "__main__":
    main()
