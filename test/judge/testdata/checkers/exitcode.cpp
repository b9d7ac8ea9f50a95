// exitcode: protocol exitcode. 0 when the tokens are equal, 1 when not,
// 2 (which that protocol does not know) when the answer file is empty.
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

static std::vector<std::string> tokens(const char *path) {
    std::ifstream in(path);
    return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

int main(int argc, char **argv) {
    if (argc < 4) return 3;
    std::vector<std::string> got = tokens(argv[2]), want = tokens(argv[3]);
    if (want.empty()) {
        std::cerr << "empty answer file\n";
        return 2;
    }
    if (got != want) {
        std::cerr << "tokens differ\n";
        return 1;
    }
    std::cerr << "same tokens\n";
    return 0;
}
