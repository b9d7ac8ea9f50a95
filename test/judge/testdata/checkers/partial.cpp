// partial: each number of the answer found in its place earns 0.5 point
// (testlib's quitp); all of them is accepted.
#include "checklib.h"

int main(int argc, char **argv) {
    registerTestlibCmd(argc, argv);
    int n = 0, right = 0;
    while (!ans.seekEof()) {
        long long want = ans.readLong();
        n++;
        if (!ouf.seekEof() && ouf.readLong() == want) right++;
    }
    if (right == n) quitf(_ok, "all %d numbers", n);
    quitp(0.5 * right, "%d of %d numbers", right, n);
}
