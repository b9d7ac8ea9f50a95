dnl GNU m4's undivert of a file name copies the file without expanding it.
undivert(`/proc/self/fd/0')dnl
