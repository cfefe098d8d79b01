"""CheckThat! 2024 Task 1: check-worthiness of English sentences.

``data`` reads the task's TSV files, ``metrics`` holds F1 of class "Yes", ``workflow`` trains, predicts and
evaluates (by cross-validation on the train file, with dev and dev-test for information).
"""
