// lcmp: the lines are equal as sequences of tokens (as testlib's lcmp).
#include "checklib.h"
#include <sstream>
#include <vector>

static std::vector<std::string> tokens(const std::string &line) {
    std::istringstream in(line);
    std::vector<std::string> t;
    for (std::string s; in >> s;) t.push_back(s);
    return t;
}

int main(int argc, char **argv) {
    registerTestlibCmd(argc, argv);
    std::string want, got;
    int n = 0;
    while (ans.readLine(want)) {
        n++;
        if (!ouf.readLine(got)) quitf(_wa, "the output has %d lines, more are expected", n - 1);
        if (tokens(got) != tokens(want)) quitf(_wa, "line %d differs: found '%s'", n, got.c_str());
    }
    if (!ouf.seekEof()) quitf(_wa, "the output has more than %d lines", n);
    quitf(_ok, "%d lines", n);
}
