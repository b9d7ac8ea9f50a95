// latewrite: an interactor that writes to the submission after it has
// ended. input.txt holds "n restore". It tells n, reads one guess, waits
// for the end of the submission's output (which comes only once the
// submission's run is over and its input closed), then writes "<": a
// write to a pipe nobody reads. The server starts interactors with
// SIGPIPE ignored, so the write fails and the next read finds the end: a
// presentation error, every time. With restore 1 it first restores
// SIGPIPE's default, and that write kills it.
#include "checklib.h"

int main(int argc, char **argv) {
    registerInteraction(argc, argv);
    long long n = inf.readLong();
    if (inf.readLong() == 1) std::signal(SIGPIPE, SIG_DFL);
    std::printf("%lld\n", n);
    std::fflush(stdout);
    ouf.readLong();
    while (std::getc(stdin) != EOF) {
    }
    std::printf("<\n");
    std::fflush(stdout);
    ouf.readLong(); // the end: wrong output format
    quitf(_fail, "read past the end of the submission's output");
}
