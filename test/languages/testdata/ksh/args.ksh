# print -r: no backslash escapes in the arguments are interpreted.
print -r -- "$*"
