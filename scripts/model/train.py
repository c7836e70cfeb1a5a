"""Trains the tiny model on the encoded corpus with a fixed seed; saves checkpoints as it goes."""
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parent))
from model import TinyConfig, TinyLlama  # noqa: E402

EOS_ID = 0


def batches(ids, starts, block, batch, gen):
    while True:
        pick = starts[torch.randint(len(starts), (batch,), generator=gen).numpy()]
        x = np.stack([ids[s:s + block + 1] for s in pick]).astype(np.int64)
        yield torch.from_numpy(x)


ANNEAL_STEPS = 400
ANNEAL_BATCH = 64


def run_phase(model, cfg, next_batch, steps, lr_at, label, weight_decay=0.0, after_step=None):
    """A training phase: lr_at(step) gives the learning rate, next_batch() token windows [B, block+1]."""
    vocab = cfg.vocab_size
    opt = torch.optim.AdamW(model.parameters(), lr=lr_at(1), betas=(0.9, 0.95), weight_decay=weight_decay)
    t0 = time.time()
    for step in range(1, steps + 1):
        lr = lr_at(step)
        for g in opt.param_groups:
            g["lr"] = lr
        xb = next_batch()
        b, t = xb.shape[0], xb.shape[1] - 1
        mask = torch.ones(b, t, dtype=torch.int64)
        pos = torch.arange(t).unsqueeze(0).expand(b, -1)
        logits = model(xb[:, :-1], mask, pos, *model.empty_past(b))[0]
        loss = F.cross_entropy(logits.reshape(-1, vocab), xb[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == steps:
            print(f"{label} {step}/{steps} loss {loss.item():.4f} lr {lr:.2e} {time.time() - t0:.0f}s", flush=True)
        if after_step:
            after_step(step)


def falling(lr_from, lr_to, steps):
    return lambda step: lr_from + (lr_to - lr_from) * step / steps


def anneal(model, ids, starts, block, work, cfg):
    """Phase 2: large batches at a falling, small learning rate, so the model's next-token probabilities settle
    on the corpus frequencies instead of whatever the last noisy batches said (teaching points need ±0.05).
    Its own data generator makes a resumed run identical to an uninterrupted one."""
    data = batches(ids, starts, block, ANNEAL_BATCH, torch.Generator().manual_seed(5678))
    run_phase(model, cfg, lambda: next(data), ANNEAL_STEPS, falling(3e-4, 1e-5, ANNEAL_STEPS), "anneal")
    torch.save({"cfg": cfg.to_dict(), "state": model.state_dict(), "step": "annealed"}, work / "ckpt.pt")


FOCUS_STEPS = 300


def focus(model, ids, starts, block, work, cfg, seed=9012, lr_from=1e-4, label="focus"):
    """Phase 3: half of every batch opens on a teaching-point sentence, at a learning rate falling to almost
    nothing: more samples of exactly the contexts whose next-word probabilities the UI compares with the truth."""
    from corpus import TEACHING
    docs = (work / "train.txt").read_text(encoding="utf-8").splitlines()
    prompts = tuple(p[1] for p in TEACHING)
    teaching = np.array([i for i, d in enumerate(docs[: len(starts)]) if d.startswith(prompts)])
    gen = torch.Generator().manual_seed(seed)
    half = ANNEAL_BATCH // 2
    plain = batches(ids, starts, block, half, gen)
    focused = batches(ids, starts[teaching], block, half, gen)
    run_phase(model, cfg, lambda: torch.cat([next(plain), next(focused)]), FOCUS_STEPS, falling(lr_from, 1e-6, FOCUS_STEPS), label)
    torch.save({"cfg": cfg.to_dict(), "state": model.state_dict(), "step": label}, work / "ckpt.pt")


def main():
    work, steps = Path(sys.argv[1]), int(sys.argv[2])
    torch.manual_seed(1234)
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(1234)
    ids = np.fromfile(work / "train.ids", dtype=np.uint16)
    vocab = int(sys.argv[3])
    cfg = TinyConfig(vocab_size=vocab)
    model = TinyLlama(cfg)
    block, batch = 96, 32
    resume = sys.argv[4] if len(sys.argv) > 4 else None
    # Sequences start at document starts, so the model sees prompts at position 0 the way a user types them.
    starts = np.concatenate([[0], np.nonzero(ids == EOS_ID)[0] + 1])
    starts = starts[starts < len(ids) - block - 1]
    warmup = 100
    data = batches(ids, starts, block, batch, gen)
    t0 = time.time()
    if resume:
        # Earlier phases already ran (their checkpoint is on disk): continue with the later ones only.
        ckpt = torch.load(work / "ckpt.pt")
        model.load_state_dict(ckpt["state"])
        steps = 0

    def save(step):
        if step % 500 == 0 or step == steps:
            torch.save({"cfg": cfg.to_dict(), "state": model.state_dict(), "step": step}, work / "ckpt.pt")

    # Phase 1: warm-up, then cosine from 3e-3 down to 3e-4.
    cosine = lambda step: 3e-3 * min(1.0, step / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))  # noqa: E731
    if steps > 0:
        run_phase(model, cfg, lambda: next(data), steps, cosine, "step", weight_decay=0.05, after_step=save)
    if resume not in ("--focus-only", "--refocus-only"):
        anneal(model, ids, starts, block, work, cfg)
    if resume != "--refocus-only":
        focus(model, ids, starts, block, work, cfg)
    # A second, gentler pass with fresh samples averages out what the first one's last batches left.
    focus(model, ids, starts, block, work, cfg, seed=3456, lr_from=5e-5, label="refocus")
    print(f"trained {steps} + {ANNEAL_STEPS} + 2 x {FOCUS_STEPS} steps in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
