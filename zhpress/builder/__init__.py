"""Stage 6, the build: the whole story, load -> compose -> write -> check, as fast as it can.

In: a manuscript folder and an output folder. Out: the editions, renamed into place only
when all are written, checked, and recorded (``state``) so an unchanged edition is not
rebuilt. ``pipeline.build`` tells the story; ``writing.write`` holds the speed machinery
(``parallel``: forked editions and the renderer forked ahead); ``watch`` rebuilds on save;
``progress`` says where each edition is. (Named ``builder``: tools skip folders named
``build``.)
"""
