BEGIN {
    line = ""
    for (i = 1; i < ARGC; i++)
        line = line (i > 1 ? " " : "") ARGV[i]
    print line
    exit
}
