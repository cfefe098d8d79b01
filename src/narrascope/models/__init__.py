"""The trained models narrascope ships, and how they are trained, saved and loaded.

* :mod:`.registry`: the one loader (task and mode, or a path -> a model, once per process) and model cards;
* :mod:`.artifacts`: the file format of a trained model (arrays plus JSON, never pickle);
* :mod:`.training`: what fitting shares: grouped folds, threshold search, Platt calibration, weight pruning;
* :mod:`.features` (hashed n-grams, tf-idf), :mod:`.embeddings` (multilingual-e5-small), :mod:`.lexicon`
  (word valence): inputs of the models;
* the models: :mod:`.narratives` (:class:`~.narratives.NarrativeClassifier`), :mod:`.roles`
  (:class:`~.roles.RoleClassifier`), :mod:`.techniques` (:class:`~.techniques.TechniqueClassifier`, with
  :mod:`.token_tagger`) and :mod:`.checkworthiness` (:class:`~.checkworthiness.CheckworthinessModel`).
"""
