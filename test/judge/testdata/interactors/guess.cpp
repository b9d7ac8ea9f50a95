// guess: the number-guessing interactor. input.txt holds "n secret"; the
// submission is told n, then guesses; each guess is answered "<" (the
// secret is smaller), ">" (greater) or "=" (found). Found within
// ceil(log2 n) + 1 guesses is accepted; within twice that, half a point
// (quitp 0.5); more is a wrong answer. The number of guesses goes to
// tout.txt, for a checker.
#include "checklib.h"

int main(int argc, char **argv) {
    registerInteraction(argc, argv);
    long long n = inf.readLong(), secret = inf.readLong();
    if (n < 1 || secret < 1 || secret > n) quitf(_fail, "bad test: secret %lld is not in [1, %lld]", secret, n);
    int limit = 1;
    while ((1LL << (limit - 1)) < n) limit++;
    std::printf("%lld\n", n);
    std::fflush(stdout);
    for (int q = 1;; q++) {
        if (ouf.seekEof()) quitf(_wa, "the submission stopped after %d guesses", q - 1);
        long long g = ouf.readLong();
        if (g < 1 || g > n) quitf(_wa, "guess %d is %lld, outside [1, %lld]", q, g, n);
        if (g == secret) {
            std::fprintf(tout, "%d\n", q);
            std::printf("=\n");
            std::fflush(stdout);
            if (q <= limit) quitf(_ok, "found %lld in %d guesses", secret, q);
            quitp(0.5, "found %lld in %d guesses, more than %d", secret, q, limit);
        }
        if (q == 2 * limit) quitf(_wa, "%d guesses and not found", q);
        std::printf(g < secret ? ">\n" : "<\n");
        std::fflush(stdout);
    }
}
