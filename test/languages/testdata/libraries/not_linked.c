/* A program that uses no GMP is not linked with it although the compile
 * command names -lgmp (-Wl,--as-needed): libgmp is not among its mappings. */
#include <stdio.h>
#include <string.h>

int main(void) {
	char line[4096];
	int gmp = 0, libc = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	if (f == NULL) {
		perror("/proc/self/maps");
		return 1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		gmp |= strstr(line, "libgmp") != NULL;
		libc |= strstr(line, "libc.so") != NULL;
	}
	fclose(f);
	printf("libc %d libgmp %d\n", libc, gmp);
	return 0;
}
