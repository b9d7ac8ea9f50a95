// yesno: one YES or NO, in any case (as testlib's yesno); anything else is
// a presentation error.
#include "checklib.h"
#include <algorithm>

static std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    return s;
}

int main(int argc, char **argv) {
    registerTestlibCmd(argc, argv);
    std::string want = upper(ans.readToken());
    std::string got = upper(ouf.readToken());
    if (got != "YES" && got != "NO") quitf(_pe, "YES or NO expected, found '%s'", got.c_str());
    if (got != want) quitf(_wa, "found %s", got.c_str());
    quitf(_ok, "answer is %s", got.c_str());
}
