// GMP's C++ classes (gmpxx, linked with -lgmpxx -lgmp): exact big
// integers and rationals with operators.
#include <gmpxx.h>
#include <iostream>

int main() {
	mpz_class fib[2] = {0, 1};
	for (int i = 0; i < 200; i++) {
		mpz_class next = fib[0] + fib[1];
		fib[0] = fib[1];
		fib[1] = next;
	}
	std::cout << "fib(200) = " << fib[0] << "\n";
	mpq_class sum = 0;
	for (int i = 1; i <= 10; i++) {
		sum += mpq_class(1, i);
	}
	std::cout << "H(10) = " << sum << "\n";
	return 0;
}
