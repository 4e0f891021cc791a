"""Stage 6, the build: the whole story, load -> compose -> write -> check, as fast as it can.

In: a manuscript folder and an output folder. Out: the editions, renamed into place only
when all are written and checked, and a state file so an unchanged edition is not rebuilt
(``state``). ``parallel`` writes editions in forked processes, ``watch`` rebuilds on save,
``progress`` says where each edition is.
"""
