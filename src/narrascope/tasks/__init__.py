"""The shared tasks narrascope trains on and scores with: one package per task.

Each package holds ``data`` (reading the organisers' files; the data sets are never bundled), ``metrics``
(the official scores and prediction-file formats) and ``workflow`` (train, predict and evaluate: what
``narrascope train``, ``narrascope predict`` and ``narrascope eval`` run).

* :mod:`.semeval2025`: SemEval-2025 Task 10, narratives (subtask 2) and entity roles (subtask 1); its
  cross-validation is :mod:`.semeval2025.crossval`;
* :mod:`.semeval2023`: SemEval-2023 Task 3 subtask 3, persuasion techniques per paragraph, with the
  SemEval-2020 Task 11 (PTC) spans;
* :mod:`.checkthat2024`: CheckThat! 2024 Task 1, check-worthiness of English sentences.

The models themselves, and how they are saved and loaded, are :mod:`narrascope.models`.
"""
