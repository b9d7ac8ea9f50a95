#include <stdio.h>

int main(void) {
    puts("SHOULD-NOT-RUN");
    return undeclared_identifier;
}
