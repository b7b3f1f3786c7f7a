#!/usr/bin/env python3
"""Trains the `reel sr --model quality` CNN for one scale factor (run by bench/sr/train.sh).

The network works on the low-resolution grid and predicts a residual on top of the `fast` model's output:

    input   = [LR luma, fast output pixel-unshuffled to scale^2 channels]   (1 + scale^2 channels)
    conv5x5 -> FEATS, PReLU; MIDS x (conv3x3 FEATS -> FEATS, PReLU); conv3x3 FEATS -> scale^2
    output  = fast output + pixel_shuffle(last layer), clamped to [0, 1]

All convolutions are unpadded ("valid"): the whole input is padded once by the network's radius with edge
replication (of LR pixels and of whole unshuffled blocks of the fast output), exactly as the Rust inference
(src/vision/sr/cnn.rs) does, so both compute the same function.

Data: target/sr-cnn/x{scale}.f32 as examples/sr_train.rs `--model cnn-data` writes it (LR luma, fast output,
HR luma per training image). Patches are drawn uniformly over the pixels of all images, each in a random one
of its 8 rotations/reflections, from a fixed seed; training runs a fixed number of Adam steps with a cosine
learning rate, single-process with a fixed thread count, so a re-run gives the same weights.

Export (`{out}/quality_x{scale}.bin`, little-endian), readable without PyTorch and in PyTorch's own layout:
    b"RSRC", u32 version (1), u32 scale, u32 layers
    per layer: u32 in_channels, u32 out_channels, u32 kernel, u32 has_prelu,
               f32 weight[out][in][kernel][kernel] (torch's OIHW), f32 bias[out], f32 prelu[out] if has_prelu
It also writes target/sr-cnn/parity_x{scale}.f32 (u32 w, u32 h, LR, fast output, this network's output) for
the Rust parity check (`sr_train --model cnn-parity`).
"""

import argparse
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self, scale, feats, mids):
        super().__init__()
        self.scale = scale
        chans = [1 + scale * scale] + [feats] * (mids + 1) + [scale * scale]
        kernels = [5] + [3] * (mids + 1)
        self.convs = nn.ModuleList(nn.Conv2d(i, o, k) for i, o, k in zip(chans[:-1], chans[1:], kernels))
        self.acts = nn.ModuleList(nn.PReLU(feats, init=0.1) for _ in range(mids + 1))
        # Start as the identity on top of the base: the last layer begins at zero.
        nn.init.zeros_(self.convs[-1].weight)
        nn.init.zeros_(self.convs[-1].bias)
        self.radius = sum(k // 2 for k in kernels)

    def forward(self, x):
        for conv, act in zip(self.convs[:-1], self.acts):
            x = act(conv(x))
        return self.convs[-1](x)


def load(path):
    raw = open(path, "rb").read()
    at, images = 0, []
    while at < len(raw):
        w, h = struct.unpack_from("<II", raw, at)
        at += 8
        planes = []
        for pw, ph in [(w, h), (w * SCALE, h * SCALE), (w * SCALE, h * SCALE)]:
            planes.append(np.frombuffer(raw, "<f4", pw * ph, at).reshape(ph, pw))
            at += 4 * pw * ph
        images.append(planes)
    return images


def net_input(lr, base, scale, radius):
    """(N,1,h,w) LR and (N,1,h*s,w*s) base, already padded by `radius` LR pixels -> the network input."""
    return torch.cat([lr, F.pixel_unshuffle(base, scale)], 1)


def upscale(net, lr, base):
    """What the Rust inference computes: pad by edge replication (the base in whole scale x scale blocks,
    i.e. after unshuffling), run, add the residual, clamp."""
    s, r = net.scale, net.radius
    x = F.pad(torch.cat([lr, F.pixel_unshuffle(base, s)], 1), (r, r, r, r), mode="replicate")
    with torch.no_grad():
        res = F.pixel_shuffle(net(x), s)
    return (base + res).clamp(0, 1)


def batch(images, weights, rng, size, scale, radius, count):
    lrs, bases, targets = [], [], []
    span = size + 2 * radius
    for _ in range(count):
        lr, base, hr = images[rng.choice(len(images), p=weights)]
        y = rng.integers(0, lr.shape[0] - span + 1)
        x = rng.integers(0, lr.shape[1] - span + 1)
        lr_c = lr[y : y + span, x : x + span]
        base_c = base[y * scale : (y + span) * scale, x * scale : (x + span) * scale]
        yi, xi = (y + radius) * scale, (x + radius) * scale
        hr_c = hr[yi : yi + size * scale, xi : xi + size * scale] - base[yi : yi + size * scale, xi : xi + size * scale]
        k, flip = rng.integers(0, 4), rng.integers(0, 2)
        out = []
        for p in (lr_c, base_c, hr_c):
            p = np.rot90(p, k)
            out.append(np.ascontiguousarray(p[:, ::-1] if flip else p))
        lrs.append(out[0])
        bases.append(out[1])
        targets.append(out[2])
    t = lambda a: torch.from_numpy(np.stack(a)[:, None].astype(np.float32))
    return t(lrs), t(bases), F.pixel_unshuffle(t(targets), scale)


def export(net, path):
    layers = list(net.convs)
    out = bytearray(b"RSRC") + struct.pack("<III", 1, net.scale, len(layers))
    for i, conv in enumerate(layers):
        o, c, k, _ = conv.weight.shape
        prelu = i < len(net.acts)
        out += struct.pack("<IIII", c, o, k, int(prelu))
        out += conv.weight.detach().numpy().astype("<f4").tobytes()
        out += conv.bias.detach().numpy().astype("<f4").tobytes()
        if prelu:
            out += net.acts[i].weight.detach().numpy().astype("<f4").tobytes()
    open(path, "wb").write(bytes(out))


def main():
    global SCALE
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, required=True)
    ap.add_argument("--data", default="target/sr-cnn")
    ap.add_argument("--out", default="src/vision/sr/weights")
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--patch", type=int, default=40, help="LR patch side (network output)")
    ap.add_argument("--feats", type=int, default=32)
    ap.add_argument("--mids", type=int, default=3)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--checkpoint", type=int, default=0, help="also export every this many steps (0: only at the end)")
    a = ap.parse_args()
    SCALE = a.scale
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(a.seed)
    images = load(f"{a.data}/x{a.scale}.f32")
    net = Net(a.scale, a.feats, a.mids)
    # Channels-last runs PyTorch's CPU convolutions about 2.4x faster here.
    net = net.to(memory_format=torch.channels_last)
    span = a.patch + 2 * net.radius
    images = [im for im in images if min(im[0].shape) >= span]
    areas = np.array([(im[0].shape[0] - span + 1) * (im[0].shape[1] - span + 1) for im in images], float)
    weights = areas / areas.sum()
    params = sum(p.numel() for p in net.parameters())
    print(f"x{a.scale}: {len(images)} images, {params} parameters, radius {net.radius}", flush=True)
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 0.5 * (1 + np.cos(np.pi * i / a.steps)) * 0.99 + 0.01)
    started, running, fast_error = time.time(), 0.0, 0.0
    for step in range(1, a.steps + 1):
        lr, base, target = batch(images, weights, rng, a.patch, a.scale, net.radius, a.batch)
        x = net_input(lr, base, a.scale, net.radius).contiguous(memory_format=torch.channels_last)
        # Mean squared error: PSNR is what is measured, and its gradient grows with the error, where L1's
        # sign-only gradient left a zero correction on top of the (least-squares) fast output in trials.
        loss = F.mse_loss(net(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        running += loss.item()
        # The fast output's own error on the same patches (a zero residual): the gain over it, in dB.
        fast_error += target.square().mean().item()
        if step % 200 == 0:
            gain = 10 * np.log10(fast_error / running)
            print(
                f"  step {step}: RMSE {(running / 200) ** 0.5 * 255:.3f}/255, {gain:+.3f} dB over fast,"
                f" {time.time() - started:.0f} s",
                flush=True,
            )
            running, fast_error = 0.0, 0.0
        if a.checkpoint and step % a.checkpoint == 0 and step < a.steps:
            export(net, f"{a.out}/quality_x{a.scale}.step{step}.bin")
    export(net, f"{a.out}/quality_x{a.scale}.bin")
    # Parity sample: a fixed crop of the first image through the exact inference path.
    lr, base, _ = images[0]
    h, w = 20, 24
    lr_t = torch.from_numpy(lr[40 : 40 + h, 60 : 60 + w].copy())[None, None]
    base_t = torch.from_numpy(base[40 * a.scale : (40 + h) * a.scale, 60 * a.scale : (60 + w) * a.scale].copy())[None, None]
    expected = upscale(net, lr_t, base_t)
    with open(f"{a.data}/parity_x{a.scale}.f32", "wb") as f:
        f.write(struct.pack("<II", w, h))
        for t in (lr_t, base_t, expected):
            f.write(t.numpy().astype("<f4").tobytes())
    print(f"x{a.scale}: {a.steps} steps in {time.time() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
