"""SemEval-2023 Task 3 subtask 3: persuasion techniques per paragraph (with SemEval-2020 Task 11 PTC spans).

``data`` reads the task's files, ``metrics`` holds the paragraph and span scores, ``workflow`` trains,
predicts and evaluates (by cross-validation over training articles).
"""
