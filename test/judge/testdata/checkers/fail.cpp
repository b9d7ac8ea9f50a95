// fail: a checker that finds the jury's answer broken (testlib's _fail).
#include "checklib.h"

int main(int argc, char **argv) {
    registerTestlibCmd(argc, argv);
    quitf(_fail, "the jury's answer is broken");
}
