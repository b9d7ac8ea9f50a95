// wcmp: the sequences of tokens are equal (as testlib's wcmp).
#include "checklib.h"

int main(int argc, char **argv) {
    registerTestlibCmd(argc, argv);
    int n = 0;
    while (!ans.seekEof()) {
        std::string want = ans.readToken();
        if (ouf.seekEof()) quitf(_wa, "the output has %d tokens, more are expected", n);
        std::string got = ouf.readToken();
        n++;
        if (got != want) quitf(_wa, "token %d differs: found '%s'", n, got.c_str());
    }
    if (!ouf.seekEof()) quitf(_wa, "the output has more than %d tokens", n);
    quitf(_ok, "%d tokens", n);
}
