"""Exports a trained checkpoint to public/models/<name>/ in the Hugging Face browser ONNX layout:
config.json, generation_config.json, tokenizer files, onnx/model.onnx (fp32) and onnx/model_quantized.onnx
(int8 weights, per-channel scales, DequantizeLinear in front of each MatMul / Gather).
Both also output each layer's key and value of the positions fed (`step_key_values.*`), beside the usual
`present.*` (past and new together): a batch that keeps its own cache reads only these few values back from
the runtime each step instead of the whole cache (`python3 export.py --step-outputs <folder>` adds them to an
existing export).
"""
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

sys.path.insert(0, str(Path(__file__).parent))
from model import TinyConfig, TinyLlama  # noqa: E402

EOS_ID = 0


def export_fp32(model: TinyLlama, path: Path):
    cfg = model.cfg
    n = cfg.num_hidden_layers
    past_names = [f"past_key_values.{i}.{kind}" for i in range(n) for kind in ("key", "value")]
    present_names = [f"present.{i}.{kind}" for i in range(n) for kind in ("key", "value")]
    ids = torch.tensor([[5, 6, 7]], dtype=torch.int64)
    mask = torch.ones(1, 5, dtype=torch.int64)
    pos = torch.tensor([[2, 3, 4]], dtype=torch.int64)
    past = [torch.randn(1, cfg.num_key_value_heads, 2, cfg.head_dim) for _ in range(2 * n)]
    dynamic = {"input_ids": {0: "batch_size", 1: "sequence_length"},
               "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
               "position_ids": {0: "batch_size", 1: "sequence_length"},
               "logits": {0: "batch_size", 1: "sequence_length"}}
    for name in past_names:
        dynamic[name] = {0: "batch_size", 2: "past_sequence_length"}
    for name in present_names:
        dynamic[name] = {0: "batch_size", 2: "total_sequence_length"}
    torch.onnx.export(model, (ids, mask, pos, *past), str(path), opset_version=14,
                      input_names=["input_ids", "attention_mask", "position_ids", *past_names],
                      output_names=["logits", *present_names], dynamic_axes=dynamic, do_constant_folding=True)


def add_step_outputs(path: Path):
    """Adds step_key_values.{i}.{key,value}: the second input of the Concat that makes present.{i}.{kind}."""
    m = onnx.load(str(path))
    g = m.graph
    made_by = {out: node for node in g.node for out in node.output}
    have = {o.name for o in g.output}
    for o in list(g.output):
        if not o.name.startswith("present."):
            continue
        name = o.name.replace("present.", "step_key_values.", 1)
        if name in have:
            continue
        concat = made_by[o.name]
        assert concat.op_type == "Concat" and concat.input[0] == o.name.replace("present.", "past_key_values.", 1), o.name
        g.node.append(helper.make_node("Identity", [concat.input[1]], [name], name=f"/{name}/Identity"))
        dims = o.type.tensor_type.shape.dim
        g.output.append(helper.make_tensor_value_info(name, o.type.tensor_type.elem_type,
                                                      [dims[0].dim_param or dims[0].dim_value, dims[1].dim_value, "sequence_length", dims[3].dim_value]))
    onnx.checker.check_model(m)
    onnx.save(m, str(path))


def quantize_int8(src: Path, dst: Path, min_size: int = 4096):
    """Weight-only int8: every 2-D float initializer (of min_size values or more) becomes int8 + per-row scales + DequantizeLinear."""
    m = onnx.load(str(src))
    g = m.graph
    new_inits, new_nodes = [], []
    for init in list(g.initializer):
        w = numpy_helper.to_array(init)
        if w.dtype != np.float32 or w.ndim != 2 or w.size < min_size:
            new_inits.append(init)
            continue
        # Gather reads rows of the embedding; MatMul weights are [in, out], so scale per output column.
        axis = 0 if "embed" in init.name else 1
        reduce_axis = 1 - axis
        scale = np.abs(w).max(axis=reduce_axis) / 127.0
        scale[scale == 0] = 1.0
        q = np.clip(np.round(w / np.expand_dims(scale, reduce_axis)), -127, 127).astype(np.int8)
        qname = init.name + "_int8"
        new_inits.append(numpy_helper.from_array(q, qname))
        new_inits.append(numpy_helper.from_array(scale.astype(np.float32), init.name + "_scale"))
        new_inits.append(numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), init.name + "_zero"))
        new_nodes.append(helper.make_node("DequantizeLinear", [qname, init.name + "_scale", init.name + "_zero"],
                                          [init.name], axis=axis, name=init.name + "_dequant"))
    del g.initializer[:]
    g.initializer.extend(new_inits)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(new_nodes + nodes)
    onnx.checker.check_model(m)
    onnx.save(m, str(dst))


def write_configs(cfg: TinyConfig, out: Path):
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": cfg.vocab_size,
        "hidden_size": cfg.hidden_size,
        "intermediate_size": cfg.intermediate_size,
        "num_hidden_layers": cfg.num_hidden_layers,
        "num_attention_heads": cfg.num_attention_heads,
        "num_key_value_heads": cfg.num_key_value_heads,
        "head_dim": cfg.head_dim,
        "hidden_act": "silu",
        "max_position_embeddings": cfg.max_position_embeddings,
        "rms_norm_eps": cfg.rms_norm_eps,
        "rope_theta": cfg.rope_theta,
        "tie_word_embeddings": True,
        "bos_token_id": EOS_ID,
        "eos_token_id": EOS_ID,
        "pad_token_id": EOS_ID,
        "torch_dtype": "float32",
        "use_cache": True,
    }
    (out / "config.json").write_text(json.dumps(config, indent=2))
    gen = {"bos_token_id": EOS_ID, "eos_token_id": EOS_ID, "pad_token_id": EOS_ID, "do_sample": True,
           "temperature": 1.0, "top_k": 50, "top_p": 1.0, "max_new_tokens": 64}
    (out / "generation_config.json").write_text(json.dumps(gen, indent=2))


def main():
    if sys.argv[1] == "--step-outputs":
        for f in sorted((Path(sys.argv[2]) / "onnx").glob("*.onnx")):
            add_step_outputs(f)
        return
    work, out = Path(sys.argv[1]), Path(sys.argv[2])
    ckpt = torch.load(work / "ckpt.pt")
    cfg = TinyConfig(**ckpt["cfg"])
    model = TinyLlama(cfg)
    model.load_state_dict(ckpt["state"])
    model.eval()
    (out / "onnx").mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        export_fp32(model, out / "onnx" / "model.onnx")
    add_step_outputs(out / "onnx" / "model.onnx")
    quantize_int8(out / "onnx" / "model.onnx", out / "onnx" / "model_quantized.onnx")
    write_configs(cfg, out)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(work / "tok" / name, out / name)
    shutil.copy(work / "teaching_points.json", out / "teaching_points.json")
    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"exported step {ckpt['step']} to {out}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
