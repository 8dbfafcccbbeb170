#!/bin/sh
# A shell script that runs Python: the doctor follows it through the environment.
exec_python="$1"
"$exec_python" -c "print('from a shell script')"
