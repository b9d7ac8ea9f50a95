// ncmp: the sequences of 64-bit integers are equal (as testlib's ncmp).
#include "checklib.h"

int main(int argc, char **argv) {
    registerTestlibCmd(argc, argv);
    int n = 0;
    while (!ans.seekEof()) {
        long long want = ans.readLong();
        if (ouf.seekEof()) quitf(_wa, "the output has %d numbers, more are expected", n);
        long long got = ouf.readLong();
        n++;
        if (got != want) quitf(_wa, "number %d differs: found %lld", n, got);
    }
    if (!ouf.seekEof()) quitf(_wa, "the output has more than %d numbers", n);
    quitf(_ok, "%d numbers", n);
}
