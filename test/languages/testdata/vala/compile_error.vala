void main() {
    print("SHOULD-NOT-RUN\n");
    int x = "not an int";
    print("%d\n", x);
}
