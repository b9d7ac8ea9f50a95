#include <iostream>

int main() {
    std::cout << "SHOULD-NOT-RUN" << std::endl;
    return undeclared_identifier;
}
