#import <stdio.h>

int main(void) {
    printf("SHOULD-NOT-RUN\n");
    return undeclared_identifier;
}
