// early: an interactor that tells n, reads one guess and gives up at once
// with a wrong answer, leaving the submission writing into a closed pipe.
#include "checklib.h"

int main(int argc, char **argv) {
    registerInteraction(argc, argv);
    long long n = inf.readLong();
    std::printf("%lld\n", n);
    std::fflush(stdout);
    long long g = ouf.readLong();
    quitf(_wa, "the interactor gives up after the first guess (%lld)", g);
}
