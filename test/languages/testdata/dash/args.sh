# printf, not echo: dash's echo would interpret backslashes in the arguments.
printf '%s\n' "$*"
