"""Trains LogitLab's byte-level BPE tokenizer and writes it as a Hugging Face tokenizer.json.

Chinese characters are split one per pre-token before byte-level BPE, so a merge never glues the end of a
prompt to the start of its continuation (a prompt typed alone tokenizes the way it did in training).
"""
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

EOS = "<|endoftext|>"
CJK = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
CJK_RE = re.compile(f"({CJK})")
# An approximation of GPT-2's split in Python's `re` (no \p{L}); it only steers which merges are learned:
# the exact split at run time is the one in tokenizer.json, and the training ids come from that.
GPT2_RE = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable characters."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = keep[:]
    n = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(keep, chars)}


BYTE_MAP = bytes_to_unicode()


def pretokenize(text):
    for piece in CJK_RE.split(text):
        if not piece:
            continue
        if CJK_RE.fullmatch(piece):
            yield piece
        else:
            yield from GPT2_RE.findall(piece)


def train(lines, vocab_size):
    counts = Counter()
    for line in lines:
        for tok in pretokenize(line):
            counts["".join(BYTE_MAP[b] for b in tok.encode("utf-8"))] += 1
    words = [list(w) for w in counts]
    freqs = list(counts.values())
    pair_counts = Counter()
    where = defaultdict(set)
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_counts[(a, b)] += freqs[i]
            where[(a, b)].add(i)
    vocab = [EOS] + [BYTE_MAP[b] for b in range(256)]
    merges = []
    while len(vocab) < vocab_size and pair_counts:
        # Ties broken by the pair itself, so training is deterministic.
        best = max(pair_counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pair_counts[best] < 2:
            break
        merged = best[0] + best[1]
        merges.append(best)
        vocab.append(merged)
        for i in list(where[best]):
            w = words[i]
            f = freqs[i]
            for a, b in zip(w, w[1:]):
                pair_counts[(a, b)] -= f
                if pair_counts[(a, b)] <= 0:
                    del pair_counts[(a, b)]
            out = []
            j = 0
            while j < len(w):
                if j + 1 < len(w) and w[j] == best[0] and w[j + 1] == best[1]:
                    out.append(merged)
                    j += 2
                else:
                    out.append(w[j])
                    j += 1
            words[i] = out
            for a, b in zip(out, out[1:]):
                pair_counts[(a, b)] += f
                where[(a, b)].add(i)
        del where[best]
    return vocab, merges


def tokenizer_json(vocab, merges):
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": 0, "content": EOS, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": CJK}, "behavior": "Isolated", "invert": False},
            byte_level,
        ]},
        "post_processor": dict(byte_level, trim_offsets=False),
        "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {tok: i for i, tok in enumerate(vocab)},
                  "merges": [f"{a} {b}" for a, b in merges]},
    }


def tokenizer_config():
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": EOS,
        "eos_token": EOS,
        "unk_token": EOS,
        "add_bos_token": False,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": 512,
    }


if __name__ == "__main__":
    corpus, out_dir, size = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    lines = corpus.read_text(encoding="utf-8").splitlines()
    vocab, merges = train(lines, size)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "tokenizer.json").write_text(json.dumps(tokenizer_json(vocab, merges), ensure_ascii=False), encoding="utf-8")
    (out_dir / "tokenizer_config.json").write_text(json.dumps(tokenizer_config(), indent=1), encoding="utf-8")
    print(f"vocab {len(vocab)}, merges {len(merges)}")
