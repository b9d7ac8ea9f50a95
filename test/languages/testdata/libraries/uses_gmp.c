/* GMP from C: 100! and 2^127-1's primality (linked with -lgmp). */
#include <gmp.h>
#include <stdio.h>

int main(void) {
	mpz_t f, p;
	mpz_init(f);
	mpz_fac_ui(f, 100);
	gmp_printf("100! = %Zd\n", f);
	printf("digits %zu\n", mpz_sizeinbase(f, 10));
	mpz_init(p);
	mpz_ui_pow_ui(p, 2, 127);
	mpz_sub_ui(p, p, 1);
	printf("2^127-1 prime %d\n", mpz_probab_prime_p(p, 25) > 0);
	printf("gmp %d\n", __GNU_MP_VERSION);
	mpz_clear(f);
	mpz_clear(p);
	return 0;
}
