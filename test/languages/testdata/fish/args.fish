string join -- " " $argv
