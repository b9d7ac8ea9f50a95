echo "$*"
