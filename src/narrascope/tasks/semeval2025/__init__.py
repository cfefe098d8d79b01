"""SemEval-2025 Task 10: narratives and subnarratives per document (subtask 2), entity roles (subtask 1).

``data`` reads the task's files, ``metrics`` scores and writes predictions in the official formats,
``crossval`` cross-validates on the training split, ``workflow`` trains, predicts and evaluates.
"""
