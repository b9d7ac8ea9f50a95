// crash: a checker that dies of a signal before it says anything.
#include "checklib.h"

int main(int argc, char **argv) {
    registerTestlibCmd(argc, argv);
    std::fprintf(stderr, "about to crash\n");
    std::fflush(stderr);
    std::abort();
}
