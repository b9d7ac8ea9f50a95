import std.stdio;

void main() {
    writeln("SHOULD-NOT-RUN");
    int x = "not an int";
    writeln(x);
}
