int main(string[] args) {
    var line = new StringBuilder();
    for (int i = 1; i < args.length; i++) {
        if (i > 1) {
            line.append_c(' ');
        }
        line.append(args[i]);
    }
    print("%s\n", line.str);
    return 0;
}
