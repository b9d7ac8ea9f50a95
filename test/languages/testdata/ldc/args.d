import std.stdio;
import std.array : join;

void main(string[] args) {
    writeln(args[1 .. $].join(" "));
}
