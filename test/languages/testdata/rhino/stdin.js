// Copies stdin to stdout as bytes, through Java's streams (Rhino's shell
// has no stdin function of its own).
var input = java.lang.System["in"];
var output = java.lang.System.out;
var buf = java.lang.reflect.Array.newInstance(java.lang.Byte.TYPE, 4096);
var n;
while ((n = input.read(buf)) > 0) {
    output.write(buf, 0, n);
}
output.flush();
