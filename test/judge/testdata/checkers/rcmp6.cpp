// rcmp6: the sequences of doubles agree within 1e-6, absolute or relative
// (as testlib's rcmp6).
#include "checklib.h"

int main(int argc, char **argv) {
    registerTestlibCmd(argc, argv);
    int n = 0;
    while (!ans.seekEof()) {
        double want = ans.readDouble();
        if (ouf.seekEof()) quitf(_wa, "the output has %d numbers, more are expected", n);
        double got = ouf.readDouble();
        n++;
        double diff = std::fabs(got - want);
        if (!(diff <= 1e-6 + 1e-15 || diff <= 1e-6 * std::fabs(want) + 1e-15))
            quitf(_wa, "number %d differs by %.10g: found %.10f", n, diff, got);
    }
    if (!ouf.seekEof()) quitf(_wa, "the output has more than %d numbers", n);
    quitf(_ok, "%d numbers", n);
}
